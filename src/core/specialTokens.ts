/**
 * Special token ids shared by the tokenizer (src/tokenizer), the model (src/core) and the trainer.
 *
 * The tokenizer reserves these ids first, in this order, so a model and its `tokenizer.json`
 * always agree. One model serves both directions; the first source token says which.
 */
export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;
export const CODE2DOC_ID = 4;
export const DOC2CODE_ID = 5;

export const SPECIAL_TOKENS = ['<pad>', '<s>', '</s>', '<unk>', '<code2doc>', '<doc2code>'] as const;

export type Direction = 'code2doc' | 'doc2code';

/** Both directions, in the order training lists them. */
export const DIRECTIONS: readonly Direction[] = ['code2doc', 'doc2code'];

export function directionTokenId(direction: Direction): number {
  return direction === 'code2doc' ? CODE2DOC_ID : DOC2CODE_ID;
}
