/**
 * Finds functions in an open document with tree-sitter (through src/data's parser and language
 * specs), for Comment Selection without a selection and for code lenses.
 */
import type { FunctionSpan } from '../editing/insertion';

export interface LocatedFunction extends FunctionSpan {
  readonly name: string;
  /** Character offsets of the function (decorators included) in the document's text. */
  readonly startOffset: number;
  readonly endOffset: number;
  /** The function's source, as the model's code2doc input. */
  readonly code: string;
  readonly documented: boolean;
}

export interface FunctionLocator {
  /** Every function in the text, outermost first. */
  functions(language: string, text: string): Promise<LocatedFunction[]>;
}

/** The innermost function containing `offset`, if any. */
export function innermostAt(functions: readonly LocatedFunction[], offset: number): LocatedFunction | undefined {
  let best: LocatedFunction | undefined;
  for (const f of functions) {
    if (f.startOffset <= offset && offset <= f.endOffset) {
      if (!best || f.endOffset - f.startOffset < best.endOffset - best.startOffset) best = f;
    }
  }
  return best;
}
