/**
 * Finds functions in an open document with tree-sitter (through src/parsing's parser and language
 * specs), for Comment Selection without a selection and for code lenses.
 */
import type { LocatedFunction } from '../parsing/locate';

/** Plain data (src/parsing/locate.ts): ranges, name, code, documented; a FunctionSpan for insertion. */
export type { LocatedFunction } from '../parsing/locate';

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
