/**
 * Typed access to the `seq2seq.*` settings declared in package.json. One reader per group so a
 * handler asks for what it needs and gets defaults that match the schema.
 *
 * Settings that can differ per file (doc comments, code lenses: `language-overridable` in
 * package.json) are read with the document as the scope. VS Code then layers them as the user
 * expects: default < user < workspace < folder, and a `[python]` block at any level above all
 * three. Read without a scope, a `[python]` value and a folder's own value are never seen.
 */
import * as vscode from 'vscode';
import { isBackendSetting, type BackendSetting } from '../core/backendSetting';
import { DECODING_DEFAULTS, DECODING_LIMITS } from '../core/decodingDefaults';
import type { TranslateRequest } from '../inference/translation';
import { LEARNING_DEFAULTS, type LearningMode } from '../learning/policy';

export interface EngineSettings {
  readonly backend: BackendSetting;
  readonly tensorflowPath: string;
  readonly model: string;
}

export interface DecodingSettings {
  readonly beamSize: number;
  readonly maxOutputLength: number;
  readonly lengthPenalty: number;
  /** Unset: the model's own tuned value. */
  readonly lengthReward: number | undefined;
  /** Off: never answer with a similar training function's summary. */
  readonly reuseSimilarSummaries: boolean;
  readonly showCandidates: boolean;
  readonly nBest: number;
}

/** What VS Code resolves per-file settings against: the document (its folder and language). */
export type SettingsScope = vscode.TextDocument | { readonly uri: vscode.Uri; readonly languageId: string };

export type ParameterDescriptionSource = 'workspaceAndModel' | 'workspace' | 'none';

export interface DocCommentSettings {
  /**
   * As set: `auto` or a format name (`resolveFormat` in src/docs/formats.ts picks the language's
   * convention for `auto` and for a name the language does not accept). Settings written before
   * the dropdown may hold an object by language; `resolveFormat` still reads those.
   */
  readonly format: unknown;
  readonly sections: unknown;
  readonly parameterDescriptions: ParameterDescriptionSource;
  readonly markBorrowed: boolean;
  readonly pythonInitArguments: 'classDocstring' | 'initDocstring';
  readonly checkConsistency: boolean;
  readonly staleSummaryHint: boolean;
}

export interface CodeLensSettings {
  readonly enabled: boolean;
  /** Only public functions get a lens, or all. */
  readonly functions: 'public' | 'all';
}

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('seq2seq');
}

export function engineSettings(): EngineSettings {
  const c = section();
  const backend = c.get<string>('backend', 'auto');
  return {
    backend: isBackendSetting(backend) ? backend : 'auto',
    // Machine-scoped: only the user's own value counts, never a workspace's (it names code to load).
    tensorflowPath: c.inspect<string>('tensorflowPath')?.globalValue ?? '',
    model: c.get<string>('model', ''),
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

/** The decoding settings read from `c` (any object with VS Code's `get`), each clamped to its range. */
export function readDecodingSettings(c: Pick<vscode.WorkspaceConfiguration, 'get'>): DecodingSettings {
  const L = DECODING_LIMITS;
  const beamSize = clampSetting(c.get('decoding.beamSize'), DECODING_DEFAULTS.beamSize, 1, L.maxSettingBeamSize, true);
  const reward = c.get<unknown>('decoding.lengthReward', null);
  return {
    beamSize,
    maxOutputLength: clampSetting(
      c.get('decoding.maxOutputLength'),
      DECODING_DEFAULTS.maxLength,
      L.minOutputLength,
      L.maxOutputLength,
      true,
    ),
    lengthPenalty: clampSetting(
      c.get('decoding.lengthPenalty'),
      DECODING_DEFAULTS.lengthPenalty,
      0,
      L.maxLengthPenalty,
    ),
    lengthReward:
      typeof reward === 'number' && Number.isFinite(reward) ? clampSetting(reward, 0, 0, L.maxLengthReward) : undefined,
    reuseSimilarSummaries: c.get<boolean>('decoding.reuseSimilarSummaries', true) !== false,
    showCandidates: c.get<boolean>('decoding.showCandidates', false) === true,
    nBest: clampSetting(c.get('decoding.nBest'), DECODING_DEFAULTS.nBest, 1, L.maxSettingBeamSize, true),
  };
}

export function decodingSettings(): DecodingSettings {
  return readDecodingSettings(section());
}

/** The doc comment settings that apply to `scope`'s file and language. */
export function docCommentSettings(scope: SettingsScope): DocCommentSettings {
  const c = vscode.workspace.getConfiguration('seq2seq.docComment', scope);
  const source = c.get<string>('parameterDescriptions', 'workspaceAndModel');
  return {
    format: c.get<unknown>('format', 'auto'),
    sections: c.get<unknown>('sections', 'full'),
    parameterDescriptions: source === 'workspace' || source === 'none' ? source : 'workspaceAndModel',
    markBorrowed: c.get<boolean>('markBorrowed', true),
    pythonInitArguments: c.get<string>('pythonInitArguments') === 'initDocstring' ? 'initDocstring' : 'classDocstring',
    checkConsistency: c.get<boolean>('checkConsistency', true),
    staleSummaryHint: c.get<boolean>('staleSummaryHint', false),
  };
}

/** The code lens settings that apply to `scope`'s file and language. */
export function codeLensSettings(scope: SettingsScope): CodeLensSettings {
  const c = vscode.workspace.getConfiguration('seq2seq.codeLens', scope);
  return {
    enabled: c.get<boolean>('enabled', true),
    functions: c.get<string>('functions', 'public') === 'all' ? 'all' : 'public',
  };
}

export interface LearningSettings {
  readonly mode: LearningMode;
  readonly threads: number;
  readonly idleSeconds: number;
  readonly minutes: number;
  readonly afterCorrections: number;
}

/** `seq2seq.learning.*`: whether and how the workspace's model learns by itself (src/learning/policy.ts). */
export function learningSettings(): LearningSettings {
  const c = vscode.workspace.getConfiguration('seq2seq.learning');
  const mode = c.get<string>('mode', LEARNING_DEFAULTS.mode);
  const D = LEARNING_DEFAULTS;
  // The minimums are package.json's; threads beyond the machine's are resolveThreads' business.
  return {
    mode: mode === 'off' || mode === 'on' ? mode : 'ask',
    threads: clampSetting(c.get('threads'), D.threads, 1, 1024, true),
    idleSeconds: clampSetting(c.get('idleSeconds'), D.idleSeconds, 5, 24 * 3600),
    minutes: clampSetting(c.get('minutes'), D.minutes, 1, 24 * 60),
    afterCorrections: clampSetting(c.get('afterCorrections'), D.afterCorrections, 1, 1e6, true),
  };
}

/** What the settings change in a request beyond beam and lengths; absent fields mean the model's tuned values. */
export function tunedRequestFields(d: DecodingSettings): Pick<TranslateRequest, 'lengthReward' | 'reuseSimilarity'> {
  return {
    ...(d.lengthReward !== undefined ? { lengthReward: d.lengthReward } : {}),
    ...(d.reuseSimilarSummaries ? {} : { reuseSimilarity: null }),
  };
}
