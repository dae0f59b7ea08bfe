/**
 * Reading the side files of a model folder (tokenizer.json, the example memory) safely: a name
 * from config.json's meta must be a plain file name inside the folder (no `../`, no separators),
 * the file must be a regular file (no symbolic link, device or pipe), no larger than its limit,
 * and match its schema. Errors name the file and the problem, never the file's content, so a
 * folder that points at another file cannot leak it into a message. Import checks a model with
 * {@link checkModelFiles} before it lands in the store; the runner loads through the same code.
 */
import * as path from 'path';
import { readGuardedTextSync } from '../files/guardedRead';
import {
  CONFIG_FILE,
  MAX_CONFIG_BYTES,
  TOKENIZER_FILE,
  memoryFileName,
  parseModelMeta,
  type ModelMeta,
} from './format';
import { ExampleMemory, type MemoryKind } from '../retrieval/retrieval';
import { CodeTokenizer, MAX_TOKENIZER_FILE_BYTES } from '../tokenizer/tokenizer';

export { MAX_CONFIG_BYTES };
export const MAX_TOKENIZER_BYTES = MAX_TOKENIZER_FILE_BYTES;
export const MAX_MEMORY_BYTES = 256 * 1024 * 1024;

const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * The path of `name` inside `dir`; throws when the name could lead anywhere else. Judged by the
 * name's shape alone: nothing outside the folder is looked at, and the message does not repeat
 * the name (it could be any path on the machine).
 */
export function modelFilePath(dir: string, name: unknown, what: string): string {
  if (typeof name !== 'string' || !PLAIN_NAME.test(name)) {
    throw new Error(
      `${CONFIG_FILE} names a ${what} that is not a file inside the model folder (it points outside the folder or is not a plain file name); a model's files must sit beside config.json.`,
    );
  }
  return path.join(dir, name);
}

/**
 * The text of a regular file of at most `maxBytes` (no link, device or pipe; the size checked
 * before reading); the message names the file by its base name and never quotes the content.
 */
export function readModelFile(file: string, maxBytes: number): string {
  const base = path.basename(file);
  try {
    return readGuardedTextSync(file, { maxBytes, noFollow: true, name: base });
  } catch (e) {
    if ((e as { problem?: string }).problem === 'missing') throw new Error(`${base} is missing from the model folder.`);
    throw e;
  }
}

function parseJson(file: string, maxBytes: number): unknown {
  const text = readModelFile(file, maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // JSON.parse's message quotes the text: say only where it broke.
    throw new Error(`${path.basename(file)} is not valid JSON (corrupt, truncated or not a model file).`);
  }
}

/** Runs `check`, replacing its message with one that names the file and never quotes it. */
function schema<T>(file: string, what: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    const detail = e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 120) : '';
    throw new Error(`${path.basename(file)} is not a valid ${what}${detail ? ` (${detail})` : ''}.`);
  }
}

export function loadTokenizerFile(dir: string, name: unknown): CodeTokenizer {
  const file = modelFilePath(dir, name, 'tokenizer');
  const json = parseJson(file, MAX_TOKENIZER_BYTES);
  return schema(file, 'tokenizer', () => CodeTokenizer.fromJSON(json));
}

function checkMemorySchema(v: unknown): void {
  const o = v as { paths?: unknown; summaries?: unknown; subtokens?: unknown };
  for (const key of ['paths', 'summaries', 'subtokens'] as const) {
    const list = o?.[key];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new Error(`${key} must be strings`);
  }
}

export function loadMemoryFile(dir: string, name: unknown): ExampleMemory {
  const file = modelFilePath(dir, name, 'example memory');
  const json = parseJson(file, MAX_MEMORY_BYTES);
  return schema(file, 'example memory', () => {
    checkMemorySchema(json);
    return ExampleMemory.fromJSON(json);
  });
}

/**
 * The neighbour kind of a model trained with neighbours from its own project's other files
 * (`meta.retrieval.scope === 'project'`): it ships no memory and reads its neighbours from the
 * user's workspace. Undefined for any other model.
 */
export function projectRetrievalKind(meta: Pick<ModelMeta, 'retrieval'> | undefined): MemoryKind | undefined {
  const r = meta?.retrieval;
  if (!r || !('scope' in r)) return undefined;
  return ExampleMemory.kindOf({ version: r.graded === false ? 1 : 2, neighbourTokens: r.neighbourTokens });
}

/**
 * Checks a model folder's config.json, tokenizer and example memory (names, sizes, schemas)
 * without TensorFlow.js; throws with a message that says what is wrong.
 */
export function checkModelFiles(dir: string): void {
  // Read with the side files' limits (size, no link), then typed by the folder format's own parser.
  const config = parseJson(path.join(dir, CONFIG_FILE), MAX_CONFIG_BYTES) as { meta?: unknown } | null;
  if (!config || typeof config !== 'object') throw new Error(`${CONFIG_FILE} does not hold a model description.`);
  const meta = parseModelMeta(config.meta);
  loadTokenizerFile(dir, meta.tokenizer ?? TOKENIZER_FILE);
  const memory = memoryFileName(meta);
  if (memory !== undefined) loadMemoryFile(dir, memory);
}
