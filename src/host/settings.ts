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
import { DECODING_DEFAULTS } from '../core/decodingDefaults';
import type { TranslateRequest } from '../inference/translation';

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

export function decodingSettings(): DecodingSettings {
  const c = section();
  return {
    beamSize: c.get<number>('decoding.beamSize', DECODING_DEFAULTS.beamSize),
    maxOutputLength: c.get<number>('decoding.maxOutputLength', DECODING_DEFAULTS.maxLength),
    lengthPenalty: c.get<number>('decoding.lengthPenalty', DECODING_DEFAULTS.lengthPenalty),
    lengthReward: c.get<number | null>('decoding.lengthReward', null) ?? undefined,
    reuseSimilarSummaries: c.get<boolean>('decoding.reuseSimilarSummaries', true),
    showCandidates: c.get<boolean>('decoding.showCandidates', false),
    nBest: c.get<number>('decoding.nBest', DECODING_DEFAULTS.nBest),
  };
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

/** What the settings change in a request beyond beam and lengths; absent fields mean the model's tuned values. */
export function tunedRequestFields(d: DecodingSettings): Pick<TranslateRequest, 'lengthReward' | 'reuseSimilarity'> {
  return {
    ...(d.lengthReward !== undefined ? { lengthReward: d.lengthReward } : {}),
    ...(d.reuseSimilarSummaries ? {} : { reuseSimilarity: null }),
  };
}
