/**
 * Typed access to the `seq2seq.*` settings declared in package.json. One reader per group so a
 * handler asks for what it needs and gets defaults that match the schema (settingDefaults.ts).
 * The only module that reads or writes settings: lint refuses `getConfiguration` elsewhere.
 *
 * Settings that can differ per file (doc comments, code lenses: `language-overridable` in
 * package.json) are read with the document as the scope. VS Code then layers them as the user
 * expects: default < user < workspace < folder, and a `[python]` block at any level above all
 * three. Read without a scope, a `[python]` value and a folder's own value are never seen.
 */
import * as os from 'os';
import * as vscode from 'vscode';
import { isBackendSetting, type BackendSetting } from '../core/backendSetting';
import { DECODING_DEFAULTS, DECODING_LIMITS, type Decoding } from '../core/decoding';
import { LEARNING_DEFAULTS, LEARNING_MODES, type LearningMode } from '../learning/policy';
import { resolveThreads } from '../training/threads';
import { FINE_TUNE_COSINE_STEPS, FINE_TUNE_TRAINING, TRAINER_DEFAULTS } from '../training/trainingDefaults';
import { SCHEDULE_KINDS, type ScheduleConfig, type ScheduleKind } from '../training/schedules';
import type { TrainConfigFile } from '../training/trainConfigFile';
import {
  CODE_LENS_FUNCTIONS,
  CODE_LENS_SETTING_DEFAULTS,
  CORPUS_SETTING_DEFAULTS,
  DECODING_SETTING_DEFAULTS,
  DOC_COMMENT_SETTING_DEFAULTS,
  ENGINE_SETTING_DEFAULTS,
  PARAMETER_DESCRIPTION_SOURCES,
  PYTHON_INIT_ARGUMENTS,
  TRAINING_SETTING_DEFAULTS,
  type CodeLensFunctions,
  type ParameterDescriptionSource,
  type PythonInitArguments,
} from './settingDefaults';

export interface EngineSettings {
  readonly backend: BackendSetting;
  readonly tensorflowPath: string;
  readonly model: string;
}

export interface DecodingSettings {
  /**
   * What a request decodes with: nBest is the candidates shown (1 unless showCandidates is on);
   * lengthReward is absent when unset (the model's tuned value), reuseSimilarity null when
   * `reuseSimilarSummaries` is off and absent otherwise (the model's tuned overlap).
   */
  readonly decoding: Decoding;
  readonly showCandidates: boolean;
  /** `seq2seq.decoding.nBest`: the candidates offered when showCandidates is on. */
  readonly candidates: number;
}

/** What VS Code resolves per-file settings against: the document (its folder and language). */
export type SettingsScope = vscode.TextDocument | { readonly uri: vscode.Uri; readonly languageId: string };

export interface DocCommentSettings {
  /**
   * As set: `auto` or a format name (`resolveFormat` in src/docComments/formats.ts picks the language's
   * convention for `auto` and for a name the language does not accept). Settings written before
   * the dropdown may hold an object by language; `resolveFormat` still reads those.
   */
  readonly format: unknown;
  readonly sections: unknown;
  readonly parameterDescriptions: ParameterDescriptionSource;
  readonly markBorrowed: boolean;
  readonly pythonInitArguments: PythonInitArguments;
  readonly checkConsistency: boolean;
  readonly staleSummaryHint: boolean;
}

export interface CodeLensSettings {
  readonly enabled: boolean;
  /** Only public functions get a lens, or all. */
  readonly functions: CodeLensFunctions;
}

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('seq2seq');
}

/** `value` when it is one of `choices`, else `fallback` (a hand-edited setting can hold anything). */
function oneOf<T extends string>(value: unknown, choices: readonly T[], fallback: T): T {
  return (choices as readonly unknown[]).includes(value) ? (value as T) : fallback;
}

export function engineSettings(): EngineSettings {
  const c = section();
  const D = ENGINE_SETTING_DEFAULTS;
  const backend = c.get<string>('backend', D.backend);
  return {
    backend: isBackendSetting(backend) ? backend : D.backend,
    // Machine-scoped: only the user's own value counts, never a workspace's (it names code to load).
    tensorflowPath: c.inspect<string>('tensorflowPath')?.globalValue ?? D.tensorflowPath,
    model: c.get<string>('model', D.model),
  };
}

/**
 * A number setting clamped to package.json's range: VS Code does not enforce a schema's minimum
 * and maximum on what it reads, so a settings.json can hold `beamSize: 100000` or a string.
 * Not a number: the default. `whole` rounds down.
 */
export function clampSetting(value: unknown, fallback: number, min: number, max: number, whole = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  const v = Math.min(max, Math.max(min, value));
  return whole ? Math.floor(v) : v;
}

/** `seq2seq.decoding.nBest`'s default: the candidates offered when showCandidates is on. */
export const DEFAULT_CANDIDATES = DECODING_SETTING_DEFAULTS.nBest;

/** The decoding settings read from `c` (any object with VS Code's `get`), each clamped to its range. */
export function readDecodingSettings(c: Pick<vscode.WorkspaceConfiguration, 'get'>): DecodingSettings {
  const L = DECODING_LIMITS;
  const D = DECODING_DEFAULTS;
  const reward = c.get<unknown>('decoding.lengthReward', null);
  const showCandidates = c.get<boolean>('decoding.showCandidates', false) === true;
  const candidates = clampSetting(c.get('decoding.nBest'), DEFAULT_CANDIDATES, 1, L.maxSettingBeamSize, true);
  return {
    decoding: {
      beamSize: clampSetting(c.get('decoding.beamSize'), D.beamSize, 1, L.maxSettingBeamSize, true),
      nBest: showCandidates ? candidates : 1,
      // The setting keeps its first name, maxOutputLength.
      maxLength: clampSetting(
        c.get('decoding.maxOutputLength'),
        D.maxLength,
        L.minSettingLength,
        L.maxSettingLength,
        true,
      ),
      lengthPenalty: clampSetting(c.get('decoding.lengthPenalty'), D.lengthPenalty, 0, L.maxLengthPenalty),
      ...(typeof reward === 'number' && Number.isFinite(reward)
        ? { lengthReward: clampSetting(reward, 0, 0, L.maxLengthReward) }
        : {}),
      ...(c.get<boolean>('decoding.reuseSimilarSummaries', true) !== false ? {} : { reuseSimilarity: null }),
    },
    showCandidates,
    candidates,
  };
}

export function decodingSettings(): DecodingSettings {
  return readDecodingSettings(section());
}

/**
 * The decoding a request carries, from the settings: theirs, or with `nBest` candidates when a
 * command wants its own number (one for an evaluation, several for the attention panel).
 */
export function requestDecoding(s: DecodingSettings = decodingSettings(), nBest?: number): Decoding {
  return nBest === undefined ? s.decoding : { ...s.decoding, nBest };
}

/** The doc comment settings that apply to `scope`'s file and language. */
export function docCommentSettings(scope: SettingsScope): DocCommentSettings {
  const c = vscode.workspace.getConfiguration('seq2seq.docComment', scope);
  const D = DOC_COMMENT_SETTING_DEFAULTS;
  return {
    format: c.get<unknown>('format', D.format),
    sections: c.get<unknown>('sections', D.sections),
    parameterDescriptions: oneOf(
      c.get('parameterDescriptions'),
      PARAMETER_DESCRIPTION_SOURCES,
      D.parameterDescriptions,
    ),
    markBorrowed: c.get<boolean>('markBorrowed', D.markBorrowed),
    pythonInitArguments: oneOf(c.get('pythonInitArguments'), PYTHON_INIT_ARGUMENTS, D.pythonInitArguments),
    checkConsistency: c.get<boolean>('checkConsistency', D.checkConsistency),
    staleSummaryHint: c.get<boolean>('staleSummaryHint', D.staleSummaryHint),
  };
}

/** The code lens settings that apply to `scope`'s file and language. */
export function codeLensSettings(scope: SettingsScope): CodeLensSettings {
  const c = vscode.workspace.getConfiguration('seq2seq.codeLens', scope);
  const D = CODE_LENS_SETTING_DEFAULTS;
  return {
    enabled: c.get<boolean>('enabled', D.enabled),
    functions: oneOf(c.get('functions'), CODE_LENS_FUNCTIONS, D.functions),
  };
}

export interface CorpusSettings {
  readonly include: readonly string[];
  /** `seq2seq.corpus.exclude` and the enabled `files.exclude` entries. */
  readonly exclude: readonly string[];
  readonly maxFileBytes: number;
}

/** `seq2seq.corpus.*`: which files mining and the workspace index read. */
export function corpusSettings(): CorpusSettings {
  const c = vscode.workspace.getConfiguration('seq2seq.corpus');
  const D = CORPUS_SETTING_DEFAULTS;
  const files = vscode.workspace.getConfiguration('files').get<Record<string, boolean>>('exclude', {});
  return {
    include: c.get<readonly string[]>('include', D.include),
    exclude: [
      ...c.get<readonly string[]>('exclude', D.exclude),
      ...Object.entries(files)
        .filter(([, on]) => on === true)
        .map(([glob]) => glob.replace(/^\*\*\//, '**/')),
    ],
    maxFileBytes: c.get<number>('maxFileSizeKb', D.maxFileSizeKb) * 1024,
  };
}

/** `seq2seq.training.seed`: the seed of Fine-tune on Workspace, and of Evaluate Model's split. */
export function fineTuneSeed(): number {
  return vscode.workspace.getConfiguration('seq2seq.training').get<number>('seed', TRAINING_SETTING_DEFAULTS.seed);
}

/**
 * A fine-tuning run's config: the fine-tuning defaults (src/training/trainingDefaults.ts
 * FINE_TUNE_TRAINING), overridden only by the seq2seq.training.* settings the user set, plus the
 * chosen time budget (null: until it stops improving); and the summary the run reports.
 */
export function trainingSettings(minutes: number | null): {
  config: TrainConfigFile;
  summary: Record<string, string | number>;
} {
  const c = vscode.workspace.getConfiguration('seq2seq.training');
  const D = TRAINING_SETTING_DEFAULTS;
  const set = (key: string): boolean => {
    const i = c.inspect(key);
    return i?.globalValue !== undefined || i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined;
  };
  const own = <T>(key: string, to: (v: T) => Record<string, unknown>): Record<string, unknown> =>
    set(key) ? to(c.get<T>(key) as T) : {};
  const warmupSteps = c.get<number>('warmupSteps', D.warmupSteps);
  const maxSteps = c.get<number>('maxSteps', D.maxSteps);
  const kind = c.get<string>('lrSchedule', D.lrSchedule);
  const schedules = {
    constant: { kind: 'constant' },
    noam: { kind: 'noam', warmupSteps },
    cosine: { kind: 'cosine', warmupSteps, totalSteps: maxSteps > 0 ? maxSteps : FINE_TUNE_COSINE_STEPS },
    plateau: { kind: 'plateau' },
  } as const satisfies Record<ScheduleKind, ScheduleConfig>;
  // A name that is not a schedule (a hand-edited setting) gets noam.
  const schedule = schedules[SCHEDULE_KINDS.find((k) => k === kind) ?? 'noam'];
  const learningRate = c.get<number>('learningRate', D.learningRate);
  const training = {
    ...own<string>('optimizer', (name) => ({ optimizer: { name, learningRate } })),
    ...(set('learningRate') && !set('optimizer')
      ? { optimizer: { ...FINE_TUNE_TRAINING.optimizer, learningRate } }
      : {}),
    ...(set('lrSchedule') || set('warmupSteps') ? { schedule } : {}),
    ...own<number>('epochs', (maxEpochs) => ({ maxEpochs })),
    ...(maxSteps > 0 ? { maxSteps } : {}),
    ...own<number>('clipNorm', (clipNorm) => ({ clipNorm })),
    ...own<number>('weightDecay', (weightDecay) => ({ weightDecay })),
    ...own<number>('labelSmoothing', (labelSmoothing) => ({ labelSmoothing })),
    ...own<number>('evalEvery', (evalEvery) => ({ evalEvery })),
    ...own<number>('patience', (patience) => ({ patience })),
    ...own<number>('l2sp', (l2sp) => ({ l2sp })),
    ...(minutes !== null ? { timeBudgetMs: minutes * 60_000 } : {}),
    threads: resolveThreads(c.get<number>('threads', D.threads), os.availableParallelism()),
  } as NonNullable<TrainConfigFile['training']>;
  const config: TrainConfigFile = {
    batchSize: c.get<number>('batchSize', D.batchSize),
    seed: fineTuneSeed(),
    ...own<number>('rehearsalShare', (rehearsalShare) => ({ rehearsalShare })),
    training,
  };
  const summary = {
    optimizer: training?.optimizer?.name ?? D.optimizer,
    learningRate: training?.optimizer?.learningRate ?? D.learningRate,
    schedule: training?.schedule?.kind ?? D.lrSchedule,
    budget: minutes === null ? 'until it stops improving' : `${minutes} min`,
    batchSize: config.batchSize ?? D.batchSize,
    threads: training?.threads ?? TRAINER_DEFAULTS.threads,
  };
  return { config, summary };
}

export interface LearningSettings {
  readonly mode: LearningMode;
  readonly threads: number;
  readonly idleSeconds: number;
  readonly minutes: number;
  readonly afterCorrections: number;
  readonly rememberCorrections: boolean;
}

/** `seq2seq.learning.*`: whether and how the workspace's model learns by itself (src/learning/policy.ts). */
export function learningSettings(): LearningSettings {
  const c = vscode.workspace.getConfiguration('seq2seq.learning');
  const D = LEARNING_DEFAULTS;
  // The minimums are package.json's; threads beyond the machine's are resolveThreads' business.
  return {
    mode: oneOf(c.get('mode'), LEARNING_MODES, D.mode),
    threads: clampSetting(c.get('threads'), D.threads, 1, 1024, true),
    idleSeconds: clampSetting(c.get('idleSeconds'), D.idleSeconds, 5, 24 * 3600),
    minutes: clampSetting(c.get('minutes'), D.minutes, 1, 24 * 60),
    afterCorrections: clampSetting(c.get('afterCorrections'), D.afterCorrections, 1, 1e6, true),
    rememberCorrections: c.get('rememberCorrections') === false ? false : D.rememberCorrections,
  };
}

/** Sets `seq2seq.learning.mode` in the workspace's settings (the answer "Always" or "Never"). */
export function setLearningMode(mode: LearningMode): Thenable<void> {
  return vscode.workspace
    .getConfiguration('seq2seq.learning')
    .update('mode', mode, vscode.ConfigurationTarget.Workspace);
}
