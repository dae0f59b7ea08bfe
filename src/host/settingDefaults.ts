/**
 * The default of every `seq2seq.*` setting, keyed by its full name: what package.json declares
 * (test/unit/settingsDefaults.test.ts checks that both hold the same keys and values) and what
 * the readers in host/settings.ts fall back to. Groups with an owner elsewhere are built from it
 * (decoding, fine-tuning, learning); the groups only the extension has are declared here, with
 * the choices of their dropdowns. No `vscode` and no TensorFlow.js.
 */
import { type BackendSetting } from '../core/backendSetting';
import { DECODING_DEFAULTS } from '../core/decoding';
import { LEARNING_DEFAULTS } from '../learning/policy';
import { FINE_TUNE_JOB_DEFAULTS, FINE_TUNE_REHEARSAL_SHARE, FINE_TUNE_TRAINING } from '../training/trainingDefaults';

/** `seq2seq.docComment.parameterDescriptions`: where a parameter's description may come from. */
export const PARAMETER_DESCRIPTION_SOURCES = ['workspaceAndModel', 'workspace', 'none'] as const;
export type ParameterDescriptionSource = (typeof PARAMETER_DESCRIPTION_SOURCES)[number];

/** `seq2seq.docComment.pythonInitArguments`: which docstring documents `__init__`'s arguments. */
export const PYTHON_INIT_ARGUMENTS = ['classDocstring', 'initDocstring'] as const;
export type PythonInitArguments = (typeof PYTHON_INIT_ARGUMENTS)[number];

/** `seq2seq.codeLens.functions`: only public functions get a lens, or all. */
export const CODE_LENS_FUNCTIONS = ['public', 'all'] as const;
export type CodeLensFunctions = (typeof CODE_LENS_FUNCTIONS)[number];

export const DOC_COMMENT_SETTING_DEFAULTS = {
  format: 'auto',
  sections: 'full',
  parameterDescriptions: 'workspaceAndModel' as ParameterDescriptionSource,
  markBorrowed: true,
  pythonInitArguments: 'classDocstring' as PythonInitArguments,
  checkConsistency: true,
  staleSummaryHint: false,
} as const;

export const CODE_LENS_SETTING_DEFAULTS = {
  enabled: true,
  functions: 'public' as CodeLensFunctions,
} as const;

export const DECODING_SETTING_DEFAULTS = {
  beamSize: DECODING_DEFAULTS.beamSize,
  maxOutputLength: DECODING_DEFAULTS.maxLength,
  lengthPenalty: DECODING_DEFAULTS.lengthPenalty,
  /** null: the model's own tuned value. */
  lengthReward: null,
  reuseSimilarSummaries: true,
  showCandidates: false,
  /** The candidates offered when showCandidates is on (a request decodes one otherwise). */
  nBest: 3,
} as const;

/** What mining and the workspace index read (`files.exclude` is VS Code's and adds to `exclude`). */
export const CORPUS_SETTING_DEFAULTS = {
  include: ['**/*.{py,js,jsx,ts,tsx,java,go,rs,cs,cpp,cc,cxx,hpp,h,php,rb}'],
  exclude: ['**/node_modules/**', '**/dist/**', '**/build/**', '**/vendor/**', '**/*.min.js'],
  maxFileSizeKb: 512,
} as const;

/** The top-level settings: which engine runs the model, and which model. */
export const ENGINE_SETTING_DEFAULTS = {
  backend: 'auto' as BackendSetting,
  /** Empty: the tfjs-node bundled or installed beside the extension, if any. */
  tensorflowPath: '',
  /** Empty: the bundled model. */
  model: '',
} as const;

const schedule = FINE_TUNE_TRAINING.schedule;

/** Fine-tune on Workspace's knobs: the fine-tuning defaults under the settings' names. */
export const TRAINING_SETTING_DEFAULTS = {
  optimizer: FINE_TUNE_TRAINING.optimizer.name,
  learningRate: FINE_TUNE_TRAINING.optimizer.learningRate,
  lrSchedule: schedule.kind,
  warmupSteps: schedule.kind === 'noam' ? schedule.warmupSteps : 0,
  batchSize: FINE_TUNE_JOB_DEFAULTS.batchSize,
  epochs: FINE_TUNE_TRAINING.maxEpochs,
  maxSteps: FINE_TUNE_JOB_DEFAULTS.maxSteps,
  labelSmoothing: FINE_TUNE_TRAINING.labelSmoothing,
  weightDecay: FINE_TUNE_JOB_DEFAULTS.weightDecay,
  clipNorm: FINE_TUNE_TRAINING.clipNorm,
  evalEvery: FINE_TUNE_TRAINING.evalEvery,
  patience: FINE_TUNE_TRAINING.patience,
  l2sp: FINE_TUNE_TRAINING.l2sp,
  rehearsalShare: FINE_TUNE_REHEARSAL_SHARE,
  seed: FINE_TUNE_JOB_DEFAULTS.seed,
  threads: FINE_TUNE_JOB_DEFAULTS.threads,
} as const;

type Prefixed<P extends string, T> = { readonly [K in keyof T & string as `${P}.${K}`]: T[K] };

function prefixed<P extends string, T extends object>(prefix: P, table: T): Prefixed<P, T> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix}.${k}`, v])) as Prefixed<P, T>;
}

/** Every setting package.json declares, by full name, with its default. */
export const SETTING_DEFAULTS = Object.freeze({
  ...prefixed('seq2seq', ENGINE_SETTING_DEFAULTS),
  ...prefixed('seq2seq.docComment', DOC_COMMENT_SETTING_DEFAULTS),
  ...prefixed('seq2seq.codeLens', CODE_LENS_SETTING_DEFAULTS),
  ...prefixed('seq2seq.decoding', DECODING_SETTING_DEFAULTS),
  ...prefixed('seq2seq.corpus', CORPUS_SETTING_DEFAULTS),
  ...prefixed('seq2seq.learning', LEARNING_DEFAULTS),
  ...prefixed('seq2seq.training', TRAINING_SETTING_DEFAULTS),
});
