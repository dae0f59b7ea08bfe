/**
 * The text gate: broken model output (issue 36's own strings, and others the bundled models wrote
 * on real projects) becomes the placeholder; good text, the model's and people's, goes in.
 */
import * as assert from 'assert';

import { acceptedSummary, gateText, SUMMARY_MIN_CONFIDENCE, textProblem } from '../../src/docComments/textGate';

/** rich 13.3.1, `ProgressBar.__init__` (rich/progress_bar.py): the function of the strings. */
const PROGRESS_BAR = `def __init__(
    self,
    total: Optional[float] = 100.0,
    completed: float = 0,
    width: Optional[int] = None,
    pulse: bool = False,
    style: StyleType = "bar.back",
    complete_style: StyleType = "bar.complete",
    finished_style: StyleType = "bar.finished",
    pulse_style: StyleType = "bar.pulse",
    animation_time: Optional[float] = None,
):
    self.total = total
    self.completed = completed
    self.width = width
    self.pulse = pulse
    self.style = style
    self.complete_style = complete_style
    self.finished_style = finished_style
    self.pulse_style = pulse_style
    self.animation_time = animation_time
    self._pulse_segments: Optional[List[Segment]] = None`;

/** rich 13.3.1, `print` (rich/__init__.py). */
const PRINT = `def print(*objects: Any, sep: str = " ", end: str = "\\n", file: Optional[IO[str]] = None, flush: bool = False) -> None:
    from .console import Console
    write_console = get_console() if file is None else Console(file=file)
    return write_console.print(*objects, sep=sep, end=end)`;

/** rich 13.3.1, `print_json` (rich/__init__.py), shortened. */
const PRINT_JSON = `def print_json(json: Optional[str] = None, *, data: Any = None, indent: Union[None, int, str] = 2, highlight: bool = True, skip_keys: bool = False, ensure_ascii: bool = False, check_circular: bool = True) -> None:
    get_console().print_json(json, data=data, indent=indent, highlight=highlight, skip_keys=skip_keys, ensure_ascii=ensure_ascii, check_circular=check_circular)`;

describe('text gate', () => {
  it("rejects the issue's broken parameter descriptions", () => {
    const model = (param: string, code = PROGRESS_BAR) => ({ code, param, source: 'model' as const });
    assert.strictEqual(textProblem('The width width.', model('width')), 'repeatedWord');
    assert.strictEqual(textProblem('The completed completed.', model('completed')), 'repeatedWord');
    assert.strictEqual(textProblem('Theee.', model('pulse')), 'repeatedSubword');
    assert.strictEqual(textProblem('The back_style_style', model('style')), 'repeatedSubword');
    assert.strictEqual(textProblem('The asciicii..', model('ensure_ascii', PRINT_JSON)), 'repeatedSubword');
    assert.strictEqual(textProblem('The animation of theimation..', model('animation_time')), 'cutWord');
    // Without the code the cut word cannot be told from a word; the repeats still can.
    assert.strictEqual(textProblem('The width width.'), 'repeatedWord');
  });

  it('rejects the other ways the bundled models break, seen on real projects', () => {
    const m = (text: string, param: string, code = PRINT_JSON) => textProblem(text, { code, param, source: 'model' });
    assert.strictEqual(m('The highlightlight.', 'highlight'), 'repeatedSubword');
    assert.strictEqual(m('The check_cccularcular.', 'check_circular'), 'repeatedSubword');
    assert.strictEqual(m('The default default to print.', 'data'), 'repeatedWord');
    assert.strictEqual(m('The level of the level.', 'indent'), 'repeatedWord');
    assert.strictEqual(m('The errors to errors.', 'indent'), 'repeatedWord');
    assert.strictEqual(m('The dunder dund.', 'data'), 'repeatedWord');
    assert.strictEqual(
      m('The name of the spect.', 'data', 'def inspect(obj, *, data=None):\n    return _inspect(obj)'),
      'cutWord',
    );
    assert.strictEqual(
      m('The force_writ_stream', 'data', 'def f(data, force_writable=False):\n    pass'),
      'madeUpIdentifier',
    );
    assert.strictEqual(m('The ensure_ascii', 'ensure_ascii'), 'restatesName');
    assert.strictEqual(m('(optional)', 'skip_keys'), 'restatesName');
    assert.strictEqual(m('The name of the resource.', 'indent'), 'offTopic');
    assert.strictEqual(m('The url of the resource.', 'url', 'def get(url):\n    return fetch(url)'), 'ungrounded');
    // Summaries too.
    const s = (text: string, code: string) => textProblem(text, { code, source: 'model' });
    assert.strictEqual(s('Get the Console instance of the Live Render Render.', PRINT), 'repeatedWord');
    assert.strictEqual(s('Return the locale of the locale.', PRINT), 'repeatedWord');
    assert.strictEqual(
      s('Create a new instance of the given time.show_time_times.', 'def f(show_time=True):\n    pass'),
      'repeatedSubword',
    );
    // Names in code spans the code does not have (model v3 on validation projects).
    const join4 = 'fn join4<A, B, C, D>(self, b: B, c: C, d: D) -> Join4<Self, B, C, D> { join4(self, b, c, d) }';
    assert.strictEqual(s('Save `try_join_join` but with more futures.', join4), 'repeatedSubword');
    assert.strictEqual(s('Same as `Easy2::new_new`', 'fn ok_into(self) -> OkInto<Self> {}'), 'repeatedSubword');
    assert.strictEqual(
      s('Initializes a new `DeepTagDeepTag` object.', 'function initCloneByTag(object, tag) {}'),
      'repeatedSubword',
    );
  });

  it("turns down a model's parameter description that is not a complete phrase", () => {
    const DISTANCE = `export function distance(x1, y1, x2, y2) {
  const d2 = (x2 - x1) ** 2 + (y2 - y1) ** 2;
  return Math.sqrt(d2);
}`;
    assert.strictEqual(
      textProblem('The x2 of the d2 -', { code: DISTANCE, param: 'x2', source: 'model' }),
      'brokenPhrase',
    );
    // The parameter model's answers on the validation projects (bench:params), without their code.
    const m = (text: string, param: string) => textProblem(text, { param, source: 'model' });
    assert.strictEqual(m('The object to truncated.', 'object'), 'brokenPhrase');
    assert.strictEqual(m('The class to supports.', 'class'), 'brokenPhrase');
    assert.strictEqual(m('The date to commits.', 'date'), 'brokenPhrase');
    assert.strictEqual(m('If True, since the since the Get is since the `max_id`', 'since_id'), 'repeatedPhrase');
    assert.strictEqual(m('Whether to skip the result to skip', 'skip_status'), 'repeatedPhrase');
    assert.strictEqual(m('The path to the relative to the path.', 'relative'), 'repeatedPhrase');
    assert.strictEqual(m('whether to black_point', 'black_point'), 'restatesName');
    // Stopping on a word or mark that needs more, or leaving a bracket or quote open.
    assert.strictEqual(m('The items to count the', 'items'), 'brokenPhrase');
    assert.strictEqual(m('The items to count and', 'items'), 'brokenPhrase');
    assert.strictEqual(m('The items to count:', 'items'), 'brokenPhrase');
    assert.strictEqual(m('The items (to count.', 'items'), 'brokenPhrase');
    assert.strictEqual(m('The items to `count.', 'items'), 'brokenPhrase');
    // Complete phrases, the model's own: a preposition may end one, a code span may too.
    assert.strictEqual(m('The url to redirect to.', 'url'), undefined);
    assert.strictEqual(m('The day of the month', 'day'), undefined);
    assert.strictEqual(m('The labels to add.', 'labels'), undefined);
    assert.strictEqual(m('The mode to open the file with, `r` or `w`.', 'mode'), undefined);
    assert.strictEqual(m('The items to embed.', 'items'), undefined);
    // People's text is not held to it: "Configuration:" introduces what followed it in the source.
    assert.strictEqual(textProblem('Configuration:', { param: 'opts', source: 'project' }), undefined);
    assert.strictEqual(
      textProblem('Factor to multiply the exponentiation by.', { param: 'factor', source: 'project' }),
      undefined,
    );
  });

  it("keeps the models' good sentences", () => {
    assert.strictEqual(
      textProblem('The objects to print.', { code: PRINT, param: 'objects', source: 'model' }),
      undefined,
    );
    assert.strictEqual(
      textProblem('The file to write to.', { code: PRINT, param: 'file', source: 'model' }),
      undefined,
    );
    assert.strictEqual(textProblem('Pretty prints JSON.', { code: PRINT_JSON, source: 'model' }), undefined);
    assert.strictEqual(
      textProblem('Pick first non-None style.', { code: 'def pick(*values):\n    pass', source: 'model' }),
      undefined,
    );
    assert.strictEqual(
      textProblem("Return a string representing the user's user agent.", {
        code: 'def ua(self):\n    pass',
        source: 'model',
      }),
      undefined,
    );
    // Go's summaries begin with the name and its verb.
    assert.strictEqual(
      textProblem('Close closes the iterator.', { code: 'func (it *Iterator) Close() {}', source: 'model' }),
      undefined,
    );
    assert.strictEqual(textProblem('Init initializes a WaterMark struct.', { source: 'model' }), undefined);
    assert.strictEqual(textProblem('Connect end to end.', { source: 'model' }), undefined);
    // Code spans: names of other functions, dotted names, the code's own repeated name.
    assert.strictEqual(
      textProblem('Same as `join`, but with more futures.', { code: 'fn join4() {}', source: 'model' }),
      undefined,
    );
    assert.strictEqual(
      textProblem('Like `rich.console.Console`.', { code: 'def f():\n    pass', source: 'model' }),
      undefined,
    );
    assert.strictEqual(
      textProblem('Wraps `deep_deep`.', { code: 'def wrap():\n    return deep_deep()', source: 'model' }),
      undefined,
    );
  });

  it("keeps people's text: only plain repeats count there", () => {
    const human = (text: string, param?: string) =>
      textProblem(text, { code: PRINT_JSON, ...(param ? { param } : {}), source: 'project' });
    assert.strictEqual(human('Number of spaces to indent. Defaults to 2.', 'indent'), undefined);
    assert.strictEqual(human('Separator between printed objects.', 'sep'), undefined);
    assert.strictEqual(
      human(
        'A callable that converts values that can not be encoded in to something that can be JSON encoded.',
        'default',
      ),
      undefined,
    );
    assert.strictEqual(human('A `datetime`, a `timedelta`, or a number of seconds.', 'value'), undefined);
    assert.strictEqual(human('The PreparedRequest <PreparedRequest> being sent.', 'request'), undefined);
    assert.strictEqual(human('Positional arguments for the replacement rich.console.Console.', 'args'), undefined);
    assert.strictEqual(
      human('A dictionary of strings to strings, indicating which words should get replaced.'),
      undefined,
    );
    assert.strictEqual(human('Add a metric to the metric family.'), undefined);
    assert.strictEqual(human('Salinity, [kg/kg]', 'S'), undefined);
    assert.strictEqual(human('Sum128 returns the murmur3 sum of data.'), undefined);
    assert.strictEqual(
      human('Return a ReactElement-compatible object for the current state of a preact component.'),
      undefined,
    );
    // A plain repeat is still one, whoever wrote it.
    assert.strictEqual(human('The the time value of an ASN1 time object.'), 'repeatedWord');
    assert.strictEqual(gateText('The the time value.', { source: 'project' }), undefined);
    assert.strictEqual(gateText('The time value.', { source: 'project' }), 'The time value.');
  });

  it('takes the best summary when it reads as words and is sure enough; a reused one is judged as words only', () => {
    const cand = (text: string, p: number, reused = false) => ({
      text,
      logProb: Math.log(p) * 4,
      tokens: [1, 2, 3, 4],
      ...(reused ? { reusedFrom: { path: 'a.py', similarity: 0.9 } } : {}),
    });
    assert.strictEqual(acceptedSummary([cand('Pretty prints JSON.', 0.3)], PRINT_JSON), 'Pretty prints JSON.');
    assert.strictEqual(
      acceptedSummary([cand('', 0.9), cand('Pretty prints JSON.', 0.3)], PRINT_JSON),
      'Pretty prints JSON.',
    );
    assert.strictEqual(acceptedSummary([cand('Return the locale of the locale.', 0.4)], PRINT_JSON), undefined);
    assert.strictEqual(
      acceptedSummary([cand('Pretty prints JSON.', SUMMARY_MIN_CONFIDENCE / 2)], PRINT_JSON),
      undefined,
    );
    assert.strictEqual(
      acceptedSummary([cand('Exit buffer context.', SUMMARY_MIN_CONFIDENCE / 2, true)], PRINT_JSON),
      'Exit buffer context.',
      "a person's summary is not the model's to be unsure of",
    );
    assert.strictEqual(acceptedSummary([], PRINT_JSON), undefined);
  });
});
