/**
 * Typed access to the `seq2seq.*` settings declared in package.json. One reader per group so a
 * handler asks for what it needs and gets defaults that match the schema.
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

/** What the settings change in a request beyond beam and lengths; absent fields mean the model's tuned values. */
export function tunedRequestFields(d: DecodingSettings): Pick<TranslateRequest, 'lengthReward' | 'reuseSimilarity'> {
  return {
    ...(d.lengthReward !== undefined ? { lengthReward: d.lengthReward } : {}),
    ...(d.reuseSimilarSummaries ? {} : { reuseSimilarity: null }),
  };
}
