/**
 * The parse worker's protocol: tree-sitter runs in its own worker thread so that a file that is
 * slow to parse (a bundle on one line, thousands of nested functions) never freezes the extension
 * host. The answer is plain data ({@link LocatedFunction}: ranges, names, the function's code and
 * whether it is documented), the same shape the in-process locator returns.
 */
import type { LocatedFunction } from '../parsing/locate';
import { ipcRequest } from '../protocol/ipc';

export interface ParseWorkerOptions {
  /** Folder of the tree-sitter grammars, when not next to the worker bundle. */
  readonly wasmDir?: string;
}

/** Every function in `text` (a corpus language name, e.g. `python`, `tsx`), outermost first. */
export const Locate = ipcRequest<
  { readonly language: string; readonly text: string },
  readonly LocatedFunction[],
  'locate'
>('locate');
