/**
 * Every way of asking for a doc comment writes the same text for the same function and file
 * state: Generate Doc Comment, Comment Selection, the light bulb, the code lens, typing `"""`,
 * and Document All. The real handlers and providers run (on a stand-in for the `vscode` module),
 * with the real analyzer, pipeline and layout; only the model is replaced by a recording
 * translator, so the test also sees that each entry point built the workspace index first and
 * sent the model the same request. Document All's own behaviour is checked here too: its
 * comments are ticked by default, Enter inserts them with tab stops of their own, and it leaves
 * out what Python's conventions leave undocumented.
 */
import * as assert from 'assert';
import {
  fake,
  installFakeVscode,
  Position,
  Range,
  Selection,
  TextDocument,
  TextEditor,
  Uri,
} from './helpers/fakeVscode';

installFakeVscode();

/* eslint-disable @typescript-eslint/consistent-type-imports -- modules loaded after the stand-in */
type Commands = typeof import('../../src/commands/docCommentCommands');
type CommentCommands = typeof import('../../src/commands/commentCommands');
type Providers = typeof import('../../src/host/docProviders');
type Lenses = typeof import('../../src/host/codeLens');
type Pipeline = typeof import('../../src/host/docPipeline');
type Analyze = typeof import('../../src/docComments/analyze');
type Locator = typeof import('./helpers/treeSitterLocator');
type Ids = typeof import('../../src/host/commandIds');
type Translation = import('../../src/inference/translation').Translation;
type TranslateRequest = import('../../src/inference/translation').TranslateRequest;
type DocServices = import('../../src/host/docServices').DocServices;
type Seq2SeqContext = import('../../src/host/context').Seq2SeqContext;
/* eslint-enable @typescript-eslint/consistent-type-imports */

const PY = [
  'import math',
  '',
  '',
  'def circle_area(radius):',
  '    return math.pi * radius * radius',
  '',
  '',
  'def distance(x1, y1, x2=0.0, y2=0.0):',
  '    dx = x2 - x1',
  '    dy = y2 - y1',
  '    return math.sqrt(dx * dx + dy * dy)',
  '',
  '',
  'class Point:',
  '    def __init__(self, x, y):',
  '        self.x = x',
  '        self.y = y',
  '',
  '    def __repr__(self):',
  '        return f"Point({self.x}, {self.y})"',
  '',
  '    def norm(self):',
  '        return math.hypot(self.x, self.y)',
  '',
].join('\n');

const DEF_LINE = 7; // def distance(...)

/** A deterministic stand-in for the model: the summary depends on the code and on where it is from. */
class RecordingTranslator {
  readonly requests: TranslateRequest[] = [];
  constructor(private readonly log: string[]) {}
  async translate(request: TranslateRequest): Promise<Translation> {
    this.requests.push(request);
    this.log.push('translate');
    let h = 0;
    for (const ch of request.text) h = (h * 31 + ch.charCodeAt(0)) % 9973;
    // Words of the function's own name, so that the text gate lets the sentence through.
    const name = /(?:def|class|function)\s+(\w+)/.exec(request.text)?.[1]?.replace(/_/g, ' ').trim() ?? 'result';
    const text = `${request.file ? 'Return' : 'Work out'} the ${name} ${['value', 'of the given values'][h % 2]}`;
    return {
      direction: 'code2doc',
      sourceTokens: [],
      candidates: [
        { text, score: -1, logProb: -1, tokens: ['a', 'b', 'c', 'd', 'e', 'f'], tokenLogProbs: [], attention: [] },
      ],
      modelId: 'recording',
      elapsedMs: 1,
      lengthReward: 0,
    };
  }
}

class FakeIndex {
  built = false;
  builds = 0;
  constructor(private readonly log: string[]) {}
  get available(): boolean {
    return true;
  }
  async ensure(): Promise<unknown[]> {
    this.builds++;
    this.log.push('index');
    await new Promise((r) => setTimeout(r, 20));
    this.built = true;
    return [];
  }
}

describe('doc comment entry points', function () {
  this.timeout(120_000);
  let m: {
    commands: Commands;
    comments: CommentCommands;
    providers: Providers;
    lenses: Lenses;
    pipeline: Pipeline;
    analyze: Analyze;
    locator: Locator;
    ids: Ids;
  };
  let analyzer: InstanceType<Analyze['DocAnalyzer']>;
  let locator: InstanceType<Locator['TreeSitterLocator']>;

  before(async () => {
    m = {
      commands: await import('../../src/commands/docCommentCommands'),
      comments: await import('../../src/commands/commentCommands'),
      providers: await import('../../src/host/docProviders'),
      lenses: await import('../../src/host/codeLens'),
      pipeline: await import('../../src/host/docPipeline'),
      analyze: await import('../../src/docComments/analyze'),
      locator: await import('./helpers/treeSitterLocator'),
      ids: await import('../../src/host/commandIds'),
    };
    analyzer = new m.analyze.DocAnalyzer();
    locator = new m.locator.TreeSitterLocator();
  });
  after(() => {
    analyzer.dispose();
    locator.dispose();
  });

  interface Setup {
    doc: TextDocument;
    editor: TextEditor;
    services: DocServices;
    ctx: Seq2SeqContext;
    translator: RecordingTranslator;
    index: FakeIndex;
    paramCalls: unknown[][];
    log: string[];
  }

  function setup(text = PY, file = '/ws/geometry.py', languageId = 'python'): Setup {
    fake.reset();
    const log: string[] = [];
    const doc = new TextDocument(Uri.file(file), languageId, text);
    const editor = new TextEditor(doc);
    fake.activeEditor = editor;
    const translator = new RecordingTranslator(log);
    const index = new FakeIndex(log);
    const paramCalls: unknown[][] = [];
    const paramDescriptions = async (f: string, names: readonly string[], code?: string, roles?: unknown) => {
      paramCalls.push([f, names, code, roles]);
      log.push('params');
      return names.includes('x1')
        ? { x1: { text: 'The x coordinate of the first point.', source: 'project' as const } }
        : {};
    };
    const pipeline = new m.pipeline.DocPipeline({
      translator: async () => translator,
      analyzer,
      index,
      paramDescriptions,
    });
    const services = {
      translator: async () => translator,
      locator,
      paramDescriptions,
      analyzer,
      pipeline,
    } as unknown as DocServices;
    const ctx = {
      editors: { editor },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      statusBar: { update: () => undefined },
    } as unknown as Seq2SeqContext;
    fake.commands.set(m.ids.COMMANDS.generateDocComment, (t: unknown) =>
      m.commands.generateDocComment(ctx, services)(t as never),
    );
    return { doc, editor, services, ctx, translator, index, paramCalls, log };
  }

  const cursorAt = (s: Setup, text: string): void => {
    const p = s.doc.positionAt(s.doc.getText().indexOf(text));
    s.editor.selection = new Selection(p, p);
  };
  const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) };

  type EntryPoint = (s: Setup) => Promise<unknown>;
  const entryPoints: Record<string, EntryPoint> = {
    'Generate Doc Comment': async (s) => {
      cursorAt(s, 'dy = y2');
      return m.commands.generateDocComment(s.ctx, s.services)();
    },
    'Comment Selection': async (s) => {
      cursorAt(s, 'dx = x2');
      return m.comments.commentSelection(s.ctx, async () => s.services)();
    },
    'light bulb': async (s) => {
      const actions = await new m.providers.DocCodeActions(s.services).provideCodeActions(
        s.doc as never,
        new Range(DEF_LINE, 4, DEF_LINE, 4) as never,
        { diagnostics: [] } as never,
      );
      const action = actions.find((a) => a.title === 'Generate doc comment');
      assert.ok(action?.command, 'no "Generate doc comment" light bulb on the signature');
      return fake.commands.get(action.command.command)!(...(action.command.arguments ?? []));
    },
    'code lens': async (s) => {
      const lenses = await new m.lenses.DocCommentLensProvider(locator).provideCodeLenses(
        s.doc as never,
        token as never,
      );
      const lens = lenses.find((l) => l.range.start.line === DEF_LINE);
      assert.ok(lens?.command, `no lens above distance (lenses on lines ${lenses.map((l) => l.range.start.line)})`);
      return fake.commands.get(lens.command.command)!(...(lens.command.arguments ?? []));
    },
    'typing """': async (s) => {
      s.doc.replace(new Range(DEF_LINE + 1, 0, DEF_LINE + 1, 0), '    """\n');
      const pos = new Position(DEF_LINE + 1, 7);
      const items = await new m.providers.DocCompletionProvider(s.services).provideCompletionItems(
        s.doc as never,
        pos as never,
        token as never,
      );
      assert.strictEqual(items.length, 1, 'no completion on """');
      const item = items[0]!;
      // What VS Code does on accept: the item's text over its range, then its command.
      s.doc.replace(item.range as unknown as Range, typeof item.insertText === 'string' ? item.insertText : '');
      assert.ok(item.command);
      return fake.commands.get(item.command.command)!(...(item.command.arguments ?? []));
    },
    'Document All (distance ticked)': async (s) => {
      fake.quickPick = (items) => items.filter((i) => /\bdistance\b/.test(String((i as { label: string }).label)));
      return m.commands.documentFile(s.ctx, s.services)();
    },
  };

  it('every entry point inserts the same text for the same function, after building the index', async () => {
    const results: { name: string; text: string; snippet: string; request: TranslateRequest; params: unknown[] }[] = [];
    for (const [name, run] of Object.entries(entryPoints)) {
      const s = setup();
      const ok = await run(s);
      assert.strictEqual(ok, true, `${name} inserted nothing: ${fake.messages.join(' | ')}`);
      const request = s.translator.requests.find((r) => r.text.startsWith('def distance'));
      assert.ok(request, `${name} never asked the model about distance`);
      assert.strictEqual(s.index.builds, 1, `${name} did not build the workspace index`);
      assert.ok(s.log.indexOf('index') < s.log.indexOf('translate'), `${name} decoded before the index was ready`);
      results.push({
        name,
        text: s.doc.getText(),
        snippet: s.editor.snippets.at(-1)!,
        request,
        params: s.paramCalls.find((c) => String(c[2]).startsWith('def distance')) ?? [],
      });
    }
    const [first, ...rest] = results;
    assert.match(
      first!.text,
      /def distance\(x1, y1, x2=0\.0, y2=0\.0\):\n {4}"""Return the distance (value|of the given values)\.\n/,
    );
    assert.match(first!.text, /x1: The x coordinate of the first point\./);
    for (const r of rest) {
      assert.strictEqual(r.text, first!.text, `${r.name} wrote other text than ${first!.name}`);
      assert.strictEqual(r.snippet, first!.snippet, `${r.name} inserted another snippet than ${first!.name}`);
      assert.deepStrictEqual(r.request, first!.request, `${r.name} sent the model another request`);
      assert.deepStrictEqual(r.params, first!.params, `${r.name} asked for other parameter descriptions`);
    }
  });

  it('the last tab stop ends after the closing quotes, not at column 1 of the body', async () => {
    const s = setup();
    await entryPoints['Generate Doc Comment']!(s);
    const snippet = s.editor.snippets[0]!;
    assert.match(snippet, /\n {4}"""\$0\n$/, snippet);
    assert.strictEqual(snippet.match(/\$0/g)?.length, 1);
    assert.match(snippet, /\$\{1:Return the distance (value|of the given values)\.\}/);
  });

  it('the same holds for /** above a TypeScript function (completion, command, Document All)', async () => {
    const TS = [
      'export function scale(values: number[], factor: number): number[] {',
      '  return values.map((v) => v * factor);',
      '}',
      '',
    ].join('\n');
    const texts: string[] = [];
    for (const how of ['command', 'completion', 'documentAll']) {
      const s = setup(TS, '/ws/scale.ts', 'typescript');
      if (how === 'command') {
        cursorAt(s, 'return values');
        assert.ok(await m.commands.generateDocComment(s.ctx, s.services)());
      } else if (how === 'completion') {
        s.doc.replace(new Range(0, 0, 0, 0), '/**\n');
        const items = await new m.providers.DocCompletionProvider(s.services).provideCompletionItems(
          s.doc as never,
          new Position(0, 3) as never,
          token as never,
        );
        const item = items[0]!;
        s.doc.replace(item.range as unknown as Range, '');
        assert.ok(await fake.commands.get(item.command!.command)!(...(item.command!.arguments ?? [])));
      } else {
        assert.ok(await m.commands.documentFile(s.ctx, s.services)());
      }
      texts.push(s.doc.getText());
      assert.match(s.editor.snippets.at(-1)!, / \*\/\$0\n$/);
    }
    assert.match(texts[0]!, /^\/\*\*\n \* Return the scale (value|of the given values)\.\n \*\n \* @param values - /);
    assert.strictEqual(texts[1], texts[0]);
    assert.strictEqual(texts[2], texts[0]);
  });

  describe('Document All Undocumented Functions in File', () => {
    it('offers every comment ticked, inserts them all on Enter with tab stops of their own, and says what it did', async () => {
      const s = setup();
      assert.strictEqual(await m.commands.documentFile(s.ctx, s.services)(), true);
      const pick = fake.quickPicks[0]!;
      const labels = (pick.items as { label: string; picked: boolean }[]).map((i) =>
        i.label.replace(/^\$\([\w-]+\) /, ''),
      );
      assert.deepStrictEqual(labels, ['circle_area', 'distance', 'Point', 'norm']);
      assert.ok(
        (pick.items as { picked: boolean }[]).every((i) => i.picked),
        'an edit starts unticked',
      );
      const text = s.doc.getText();
      for (const fn of ['def circle_area(radius):', 'def distance(', 'class Point:', 'def norm(self):'])
        assert.match(
          text,
          new RegExp(`${fn.replace(/[()]/g, '\\$&')}.*\\n +"""Return the`),
          `${fn} not documented:\n${text}`,
        );
      assert.match(text, /def __init__\(self, x, y\):\n {8}self\.x = x/, 'a docstring on __init__');
      assert.match(text, /def __repr__\(self\):\n {8}return/, 'a docstring on __repr__');
      // Every placeholder is a tab stop, numbered once across the edit; one final stop, at the end.
      const numbers = s.editor.snippets.flatMap((sn) => [...sn.matchAll(/\$\{(\d+):/g)].map((x) => Number(x[1])));
      assert.strictEqual(new Set(numbers).size, numbers.length, 'two comments share a tab stop number');
      for (const sn of s.editor.snippets)
        assert.doesNotMatch(
          sn.replace(/\$\{\d+:[^}]*\}/g, ''),
          /_description_|_summary_/,
          `a placeholder without a tab stop:\n${sn}`,
        );
      assert.strictEqual(s.editor.snippets.join('').match(/\$0/g)?.length, 1);
      const said = fake.messages.at(-1)!;
      assert.match(said, /documented 4 functions in geometry\.py/);
      assert.match(said, /__repr__ \(dunder methods\)/);
      assert.match(said, /__init__ \(the class docstring documents its arguments\)/);
    });

    it('documents __init__ when seq2seq.docComment.pythonInitArguments says initDocstring', async () => {
      const s = setup();
      fake.settings.set('seq2seq.docComment.pythonInitArguments', 'initDocstring');
      await m.commands.documentFile(s.ctx, s.services)();
      assert.match(s.doc.getText(), /def __init__\(self, x, y\):\n {8}"""Return the/);
      assert.match(s.doc.getText(), /def __repr__\(self\):\n {8}return/);
    });

    it('skips __init__ only when an existing class docstring names its arguments', async () => {
      const withDoc = (doc: string): string =>
        PY.replace('class Point:\n', `class Point:\n    """A point.\n\n    ${doc}\n    """\n\n`);
      let s = setup(withDoc('Args:\n        x: Across.\n        y: Up.'));
      await m.commands.documentFile(s.ctx, s.services)();
      assert.match(s.doc.getText(), /def __init__\(self, x, y\):\n {8}self\.x/);
      s = setup(withDoc('Nothing about the arguments.'));
      await m.commands.documentFile(s.ctx, s.services)();
      assert.match(s.doc.getText(), /def __init__\(self, x, y\):\n {8}"""Return the/);
    });

    it('inserts nothing, and says so, when every comment is unticked', async () => {
      const s = setup();
      fake.quickPick = () => [];
      assert.strictEqual(await m.commands.documentFile(s.ctx, s.services)(), false);
      assert.strictEqual(s.doc.getText(), PY);
      assert.match(fake.messages.at(-1)!, /no doc comment inserted/);
    });
  });

  describe('code lens', () => {
    const SRC = [
      'def public_api(a):',
      '    def helper(b):',
      '        return b',
      '    return helper(a)',
      '',
      '',
      'def _private(a):',
      '    return a',
      '',
      '',
      'class Thing:',
      '    def __eq__(self, other):',
      '        return True',
      '',
      '    def run(self):',
      '        return 1',
      '',
    ].join('\n');
    const lensNames = async (setting?: string): Promise<string[]> => {
      const s = setup(SRC, '/ws/lens.py');
      if (setting) fake.settings.set('seq2seq.codeLens.functions', setting);
      const lenses = await new m.lenses.DocCommentLensProvider(locator).provideCodeLenses(
        s.doc as never,
        token as never,
      );
      return lenses.map((l) => /for (\w+)/.exec(String(l.command?.tooltip))![1]!);
    };

    it('shows by default only above public functions, and everywhere with "all"', async () => {
      assert.deepStrictEqual(await lensNames(), ['public_api', 'run']);
      assert.deepStrictEqual(await lensNames('all'), ['public_api', 'helper', '_private', '__eq__', 'run']);
    });

    it('an edit while it waits for typing to pause gives the lenses of the new text, not none', async () => {
      const s = setup(SRC, '/ws/lens.py');
      const asked = new m.lenses.DocCommentLensProvider(locator).provideCodeLenses(s.doc as never, token as never);
      // Within the wait (LENS_DEBOUNCE_MS): a new public function above the others.
      await new Promise((r) => setTimeout(r, m.lenses.LENS_DEBOUNCE_MS / 5));
      s.doc.setText(`def added(x):\n    return x\n\n\n${SRC}`);
      const lenses = await asked;
      assert.deepStrictEqual(
        lenses.map((l) => [/for (\w+)/.exec(String(l.command?.tooltip))![1]!, l.range.start.line]),
        [
          ['added', 0],
          ['public_api', 4],
          ['run', 18],
        ],
      );
    });
  });
});
