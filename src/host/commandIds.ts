/**
 * Every command the extension contributes, by name; the id is built from the name (as
 * rust-analyzer's extension does), so a caller writes `COMMANDS.showDashboard` and a typo does not
 * compile. package.json contributes exactly these (test/unit/commandIds.test.ts checks both ways).
 */
export const COMMAND_NAMES = [
  'commentSelection',
  'generateDocComment',
  'documentFile',
  'generateCode',
  'findCode',
  'rebuildIndex',
  'translateSelection',
  'showAttention',
  'fineTune',
  'stopTraining',
  'showDashboard',
  'selectModel',
  'importModel',
  'exportModel',
  'deleteModel',
  'evaluateModel',
  'showEngineStatus',
  'showCorrections',
  'forgetCorrections',
  'learnNow',
  'showLearningHistory',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];
export type CommandId = `seq2seq.${CommandName}`;

export const commandId = <N extends CommandName>(name: N): `seq2seq.${N}` => `seq2seq.${name}`;

/** Name -> id, e.g. `COMMANDS.fineTune === 'seq2seq.fineTune'`. */
export const COMMANDS = Object.freeze(
  Object.fromEntries(COMMAND_NAMES.map((n) => [n, commandId(n)])) as { readonly [N in CommandName]: `seq2seq.${N}` },
);
