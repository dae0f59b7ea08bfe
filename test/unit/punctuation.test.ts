/** Punctuation normalised once: one final period, no "..", no ".,", a default stated once and the function's own. */
import * as assert from 'assert';

import {
  finishSentence,
  paramText,
  sameDefault,
  statedDefault,
  withoutFinalStop,
} from '../../src/docComments/punctuation';

describe('punctuation of inserted text', () => {
  it('ends a sentence with exactly one period', () => {
    assert.strictEqual(finishSentence('The asciicii..'), 'The asciicii.');
    assert.strictEqual(finishSentence('the file to read'), 'The file to read.');
    assert.strictEqual(finishSentence('Separator between printed objects. '), 'Separator between printed objects.');
    assert.strictEqual(finishSentence('Number of spaces .'), 'Number of spaces.');
    assert.strictEqual(finishSentence('Is it open?'), 'Is it open?');
    assert.strictEqual(finishSentence('Wait...'), 'Wait.');
    assert.strictEqual(finishSentence('Options, e.g.'), 'Options, e.g.');
    // An identifier or a code span keeps its case.
    assert.strictEqual(finishSentence('`path` to read'), '`path` to read.');
    assert.strictEqual(finishSentence('kwargs_dict for the call'), 'kwargs_dict for the call.');
    assert.strictEqual(finishSentence(''), '');
    assert.strictEqual(withoutFinalStop('A list,'), 'A list');
  });

  it('reads the default a description states at its end', () => {
    assert.deepStrictEqual(statedDefault('Number of spaces to indent. Defaults to 2.'), {
      value: '2',
      rest: 'Number of spaces to indent',
      literal: true,
    });
    assert.strictEqual(statedDefault('Enable highlighting of output: Defaults to True.')?.value, 'True');
    assert.strictEqual(statedDefault('Sort keys (default: False)')?.value, 'False');
    assert.strictEqual(statedDefault('The width, by default 80')?.value, '80');
    assert.strictEqual(statedDefault('Style of the bar. Defaults to "bar.complete".')?.value, '"bar.complete"');
    const prose = statedDefault('Where to write. The default is the current directory.');
    assert.strictEqual(prose?.literal, false);
    assert.strictEqual(prose?.rest, 'Where to write');
    // "defaults to" inside a sentence is not a stated default.
    assert.strictEqual(statedDefault('Whether it defaults to True'), undefined);
    assert.strictEqual(statedDefault('The default value to use when no input is given.'), undefined);
    assert.ok(sameDefault('"bar.complete"', "'bar.complete'"));
    assert.ok(sameDefault('None', 'none'));
    assert.ok(!sameDefault('2', '4'));
  });

  it('Google: one period and the default once, even when the borrowed text states it (issue 36)', () => {
    // Before: "Style. Defaults to "bar.complete".. Defaults to "bar.complete"."
    const t = paramText('Style for the completed bar. Defaults to "bar.complete".', {
      default: '"bar.complete"',
      style: 'sentence',
    });
    assert.strictEqual(`${t.text}${t.tail}`, 'Style for the completed bar. Defaults to "bar.complete".');
    // Before: "The width.. Defaults to 5."
    const w = paramText('The total width.', { default: '5', style: 'sentence' });
    assert.strictEqual(`${w.text}${w.tail}`, 'The total width. Defaults to 5.');
    // Another function's default is replaced by this one's.
    const other = paramText('Number of spaces to indent. Defaults to 2.', { default: '4', style: 'sentence' });
    assert.strictEqual(`${other.text}${other.tail}`, 'Number of spaces to indent. Defaults to 4.');
    // A default said in words stays, and is not said again.
    const prose = paramText('Where to write. Defaults to the current directory.', {
      default: 'None',
      style: 'sentence',
    });
    assert.strictEqual(`${prose.text}${prose.tail}`, 'Where to write. Defaults to the current directory.');
  });

  it('NumPy and Sphinx: no ".," before the default, and a final period', () => {
    const n = paramText('The total width.', { default: '5', style: 'byDefault' });
    assert.strictEqual(`${n.text}${n.tail}`, 'The total width, by default 5.');
    const s = paramText('the total width..', { default: '5', style: 'defaultsTo' });
    assert.strictEqual(`${s.text}${s.tail}`, 'The total width, defaults to 5.');
    const plain = paramText('The total width', { style: 'byDefault' });
    assert.strictEqual(`${plain.text}${plain.tail}`, 'The total width.');
  });

  it('an empty description keeps the placeholder and the layout every format always had', () => {
    assert.deepStrictEqual(paramText(undefined, { default: '3', style: 'sentence' }), { tail: '. Defaults to 3.' });
    assert.deepStrictEqual(paramText('  ', { default: '3', style: 'byDefault' }), { tail: ', by default 3' });
    assert.deepStrictEqual(paramText(undefined, { style: 'none' }), { tail: '' });
    // Only a stated default: nothing is left to say.
    assert.deepStrictEqual(paramText('Defaults to 2.', { default: '2', style: 'sentence' }), {
      tail: '. Defaults to 2.',
    });
  });

  it('puts the provenance marker before the final period', () => {
    const t = paramText('The total to divide.', { style: 'none', marker: ' (from `ratio_resolve` in _ratio.py)' });
    assert.strictEqual(t.text, 'The total to divide (from `ratio_resolve` in _ratio.py).');
    const g = paramText('Number of steps. Defaults to 100.', {
      default: '100.0',
      style: 'sentence',
      marker: ' (from `add_task` in progress.py)',
    });
    assert.strictEqual(`${g.text}${g.tail}`, 'Number of steps (from `add_task` in progress.py). Defaults to 100.0.');
  });

  it('JSDoc states no default in the text: a matching one the description gives stays, another goes', () => {
    assert.strictEqual(
      paramText('Timeout in ms. Defaults to 100.', { default: '100', style: 'none' }).text,
      'Timeout in ms. Defaults to 100.',
    );
    assert.strictEqual(
      paramText('Timeout in ms. Defaults to 100.', { default: '5', style: 'none' }).text,
      'Timeout in ms.',
    );
    // Without a default of its own the function cannot contradict the description.
    assert.strictEqual(
      paramText('Timeout in ms. Defaults to 100.', { style: 'none' }).text,
      'Timeout in ms. Defaults to 100.',
    );
  });
});
