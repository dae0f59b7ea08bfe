/**
 * The two top-level splitters, pinned on one table: splitTop (docComments/types.ts) reads Python
 * annotations, topLevel (data/paramDescriptions.ts) reads signatures of every language. They
 * differ where the table shows (angle brackets, escapes and backticks in strings, trimming, `=`),
 * which is why each keeps its own.
 */
import * as assert from 'assert';
import { topLevel } from '../../src/retrieval/paramDescriptions';
import { splitTop } from '../../src/docComments/types';

/** [text, separator, splitTop's pieces, topLevel's pieces] */
const SPLITS: readonly (readonly [string, ',' | '|', readonly string[], readonly string[]])[] = [
  ['int, str', ',', ['int', 'str'], ['int', ' str']],
  ['Dict[str, int], None', ',', ['Dict[str, int]', 'None'], ['Dict[str, int]', ' None']],
  ['int | None', '|', ['int', 'None'], ['int ', ' None']],
  [' a ,, b ', ',', ['a', 'b'], [' a ', '', ' b ']],
  ['', ',', [], ['']],
  ['a|', '|', ['a'], ['a', '']],
  ['Callable[[int, str], bool], x', ',', ['Callable[[int, str], bool]', 'x'], ['Callable[[int, str], bool]', ' x']],
  ['{a, b}, c', ',', ['{a, b}', 'c'], ['{a, b}', ' c']],
  ['(a, b) => a, c', ',', ['(a, b) => a', 'c'], ['(a, b) => a', ' c']],
  ['Literal["a,b"], c', ',', ['Literal["a,b"]', 'c'], ['Literal["a,b"]', ' c']],
  ["Literal['a|b'] | None", '|', ["Literal['a|b']", 'None'], ["Literal['a|b'] ", ' None']],
  // Generics: brackets to topLevel only. A Python annotation's `>` is a comparison, never a bracket.
  ['Map<string, number>, n', ',', ['Map<string', 'number>', 'n'], ['Map<string, number>', ' n']],
  [
    'Annotated[int, lambda v: v > 0] | None',
    '|',
    ['Annotated[int, lambda v: v > 0]', 'None'],
    ['Annotated[int, lambda v: v > 0] | None'],
  ],
  // An escaped quote ends a string for splitTop, not for topLevel; backticks quote for topLevel only.
  ['Literal["a\\"b,c"], d', ',', ['Literal["a\\"b,c"], d'], ['Literal["a\\"b,c"]', ' d']],
  ['`a,b`, c', ',', ['`a', 'b`', 'c'], ['`a,b`', ' c']],
];

/** [text, topLevel's pieces on `=`: a default's `=`, not `=>`, `==` or `<=`] */
const DEFAULTS: readonly (readonly [string, readonly string[]])[] = [
  ['x = 1', ['x ', ' 1']],
  ['n: int = 3', ['n: int ', ' 3']],
  ['cb = () => {}', ['cb ', ' () => {}']],
  ['a == b', ['a == b']],
  ['x <= y', ['x <= y']],
];

describe('top-level splitting: splitTop and topLevel, pinned', () => {
  it('split the same texts as the table says', () => {
    for (const [text, sep, python, signature] of SPLITS) {
      assert.deepStrictEqual(splitTop(text, sep), python, JSON.stringify(text));
      assert.deepStrictEqual(topLevel(text, sep), signature, JSON.stringify(text));
    }
  });

  it('topLevel splits a parameter at its default', () => {
    for (const [text, pieces] of DEFAULTS) assert.deepStrictEqual(topLevel(text, '='), pieces, JSON.stringify(text));
  });
});
