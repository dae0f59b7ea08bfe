/**
 * The backend setting's values, kept apart from backend.ts so that reading a setting does not
 * load TensorFlow.js (the extension host imports this at activation).
 */
export type BackendSetting = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_SETTINGS: readonly BackendSetting[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export function isBackendSetting(value: unknown): value is BackendSetting {
  return typeof value === 'string' && (BACKEND_SETTINGS as readonly string[]).includes(value);
}
