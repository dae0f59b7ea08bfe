/**
 * A small stand-in for the `vscode` module, so that the extension's real command handlers and
 * editor providers run in plain Node under mocha: text documents and editors that apply edits and
 * snippets (placeholders resolved to their text, the snippet string recorded), settings from a
 * map (read, inspected by level, written), progress, messages and quick picks recorded (the quick
 * pick's answer is the test's to give), and registered commands. Only what the doc comment features touch is here; install it before
 * the first module that imports `vscode` is loaded.
 *
 * Settings: `fake.settings` holds values that apply everywhere. `fake.levels` holds values set at
 * one level (user, workspace, folder), optionally for one language, and is layered the way VS Code
 * layers them for a read scoped to a document: user < workspace < folder < `[lang]` user <
 * `[lang]` workspace < `[lang]` folder, objects merged key by key, anything else replaced. A read
 * without a scope sees neither folder nor language values, as in VS Code.
 */
import Module = require('module');
import { snippetPlainText } from '../../../src/docComments/snippet';

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
  isBefore(o: Position): boolean {
    return this.line < o.line || (this.line === o.line && this.character < o.character);
  }
  isAfterOrEqual(o: Position): boolean {
    return !this.isBefore(o);
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c!, d!) : (b as Position);
  }
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
  contains(p: Position): boolean {
    return !p.isBefore(this.start) && !this.end.isBefore(p);
  }
}

export class Selection extends Range {
  constructor(
    readonly anchor: Position,
    readonly active: Position,
  ) {
    super(anchor.isBefore(active) ? anchor : active, anchor.isBefore(active) ? active : anchor);
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class SnippetString {
  constructor(readonly value = '') {}
}

export class SnippetTextEdit {
  constructor(
    readonly range: Range,
    readonly snippet: SnippetString,
  ) {}
  static insert(p: Position, s: SnippetString): SnippetTextEdit {
    return new SnippetTextEdit(new Range(p, p), s);
  }
}

export class WorkspaceEdit {
  readonly entries: { uri: Uri; edits: SnippetTextEdit[] }[] = [];
  set(uri: Uri, edits: SnippetTextEdit[]): void {
    this.entries.push({ uri, edits });
  }
}

export const EndOfLine = { LF: 1, CRLF: 2 } as const;

export class TextDocument {
  version = 1;
  readonly eol = EndOfLine.LF;
  readonly isClosed = false;
  constructor(
    readonly uri: Uri,
    readonly languageId: string,
    private text: string,
  ) {}
  get fileName(): string {
    return this.uri.fsPath;
  }
  get lineCount(): number {
    return this.text.split('\n').length;
  }
  getText(range?: Range): string {
    return range ? this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end)) : this.text;
  }
  setText(text: string): void {
    this.text = text;
    this.version++;
  }
  offsetAt(p: Position): number {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < Math.min(p.line, lines.length); i++) offset += lines[i]!.length + 1;
    return Math.min(
      offset + (p.line < lines.length ? Math.min(p.character, lines[p.line]!.length) : 0),
      this.text.length,
    );
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, offset).split('\n');
    return new Position(before.length - 1, before[before.length - 1]!.length);
  }
  lineAt(line: number): {
    text: string;
    range: Range;
    rangeIncludingLineBreak: Range;
    isEmptyOrWhitespace: boolean;
  } {
    const text = this.text.split('\n')[line] ?? '';
    const last = line >= this.lineCount - 1;
    return {
      text,
      range: new Range(line, 0, line, text.length),
      rangeIncludingLineBreak: last ? new Range(line, 0, line, text.length) : new Range(line, 0, line + 1, 0),
      isEmptyOrWhitespace: text.trim() === '',
    };
  }
  /** Replaces `range` with `text`. */
  replace(range: Range, text: string): void {
    const s = this.offsetAt(range.start);
    const e = this.offsetAt(range.end);
    this.setText(this.text.slice(0, s) + text + this.text.slice(e));
  }
}

export class TextEditor {
  selection: Selection;
  readonly options = { insertSpaces: true, tabSize: 4 };
  readonly viewColumn = 1;
  /** Every snippet inserted into this editor, as VS Code received it. */
  readonly snippets: string[] = [];
  constructor(readonly document: TextDocument) {
    this.selection = new Selection(new Position(0, 0), new Position(0, 0));
  }
  async insertSnippet(snippet: SnippetString, where: Position | Range): Promise<boolean> {
    this.snippets.push(snippet.value);
    const range = where instanceof Range ? where : new Range(where, where);
    this.document.replace(range, snippetPlainText(snippet.value));
    return true;
  }
  async edit(cb: (b: { insert(p: Position, text: string): void }) => void): Promise<boolean> {
    const inserts: [Position, string][] = [];
    cb({ insert: (p, t) => inserts.push([p, t]) });
    for (const [p, t] of inserts.sort((a, b) => (b[0].isBefore(a[0]) ? -1 : 1)))
      this.document.replace(new Range(p, p), t);
    return true;
  }
}

class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  readonly event = (l: (e: T) => void): { dispose(): void } => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    this.listeners.forEach((l) => l(e));
  }
  dispose(): void {
    this.listeners = [];
  }
}

export type SettingLevel = 'user' | 'workspace' | 'workspaceFolder';

/** One value in a settings file: `[language]` blocks give `language`. */
export interface LevelSetting {
  readonly level: SettingLevel;
  readonly language?: string;
  /** The full key, e.g. `seq2seq.docComment.format`. */
  readonly key: string;
  readonly value: unknown;
}

const LEVEL_ORDER: readonly SettingLevel[] = ['user', 'workspace', 'workspaceFolder'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value VS Code would return for `key` read with `scope` (undefined: unset at every level). */
export function layeredSetting(levels: readonly LevelSetting[], key: string, scope?: unknown): unknown {
  const s = scope as { uri?: unknown; languageId?: string } | undefined;
  const language = s?.languageId;
  const applies = (e: LevelSetting): boolean =>
    e.key === key &&
    (e.level !== 'workspaceFolder' || s?.uri !== undefined) &&
    (e.language === undefined || e.language === language);
  const rank = (e: LevelSetting): number => (e.language !== undefined ? 3 : 0) + LEVEL_ORDER.indexOf(e.level);
  let value: unknown;
  for (const e of levels.filter(applies).sort((a, b) => rank(a) - rank(b)))
    value = isPlainObject(value) && isPlainObject(e.value) ? { ...value, ...e.value } : e.value;
  return value;
}

/** What the handlers did that a user would see, and the answers the test gives them. */
export const fake = {
  settings: new Map<string, unknown>(),
  levels: [] as LevelSetting[],
  messages: [] as string[],
  activeEditor: undefined as TextEditor | undefined,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  /** The quick pick's answer: given the items and options, what the user picks. */
  quickPick: (items: readonly { picked?: boolean }[], options: { canPickMany?: boolean }): unknown =>
    options.canPickMany ? items.filter((i) => i.picked) : items[0],
  quickPicks: [] as { items: unknown[]; options: unknown }[],
  reset(): void {
    this.settings.clear();
    this.levels.length = 0;
    this.messages.length = 0;
    this.quickPicks.length = 0;
    this.activeEditor = undefined;
    this.quickPick = (items, options) => (options.canPickMany ? items.filter((i) => i.picked) : items[0]);
  },
};

const message = async (text: string): Promise<undefined> => {
  fake.messages.push(text);
  return undefined;
};

const noToken = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) };

export const vscodeStub = {
  Position,
  Range,
  Selection,
  Uri,
  SnippetString,
  SnippetTextEdit,
  WorkspaceEdit,
  EndOfLine,
  EventEmitter,
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  CompletionItemKind: { Snippet: 27 },
  CodeActionKind: { QuickFix: 'quickfix', RefactorRewrite: 'refactor.rewrite' },
  QuickPickItemKind: { Separator: -1, Default: 0 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  CompletionItem: class {
    insertText?: string | SnippetString;
    range?: Range;
    command?: { command: string; arguments?: unknown[] };
    constructor(
      readonly label: unknown,
      readonly kind?: number,
    ) {}
  },
  CodeAction: class {
    command?: { command: string; arguments?: unknown[] };
    constructor(
      readonly title: string,
      readonly kind?: string,
    ) {}
  },
  CodeLens: class {
    constructor(
      readonly range: Range,
      readonly command?: { command: string; arguments?: unknown[] },
    ) {}
  },
  MarkdownString: class {
    value = '';
    appendCodeblock(code: string): this {
      this.value += `\n\`\`\`\n${code}\n\`\`\`\n`;
      return this;
    }
  },
  window: {
    get activeTextEditor(): TextEditor | undefined {
      return fake.activeEditor;
    },
    get visibleTextEditors(): TextEditor[] {
      return fake.activeEditor ? [fake.activeEditor] : [];
    },
    showInformationMessage: message,
    showWarningMessage: message,
    showErrorMessage: message,
    setStatusBarMessage: (text: string) => {
      fake.messages.push(text);
      return { dispose: () => undefined };
    },
    withProgress: async <T>(
      _options: unknown,
      task: (p: { report(v: unknown): void }, token: typeof noToken) => Promise<T>,
    ): Promise<T> => task({ report: () => undefined }, noToken),
    showQuickPick: async (items: { picked?: boolean }[], options: { canPickMany?: boolean }) => {
      fake.quickPicks.push({ items, options });
      return fake.quickPick(items, options);
    },
    showTextDocument: async (doc: TextDocument) => {
      if (fake.activeEditor?.document !== doc) throw new Error('the fake has one editor');
      return fake.activeEditor;
    },
    onDidChangeActiveTextEditor: () => ({ dispose: () => undefined }),
  },
  workspace: {
    getConfiguration: (section: string, scope?: unknown) => ({
      get: <T>(key: string, fallback?: T): T | undefined => {
        const full = `${section}.${key}`;
        if (fake.settings.has(full)) return fake.settings.get(full) as T;
        const layered = layeredSetting(fake.levels, full, scope);
        return layered !== undefined ? (layered as T) : fallback;
      },
      /** Each level's own value (`fake.settings` count as the user's); no language values. */
      inspect: (key: string) => {
        const folder = (scope as { uri?: unknown } | undefined)?.uri !== undefined;
        const full = `${section}.${key}`;
        const at = (level: SettingLevel): unknown =>
          fake.levels.filter((e) => e.key === full && e.level === level && e.language === undefined).at(-1)?.value;
        return {
          key: full,
          globalValue: fake.settings.has(full) ? fake.settings.get(full) : at('user'),
          workspaceValue: at('workspace'),
          workspaceFolderValue: folder ? at('workspaceFolder') : undefined,
        };
      },
      /** Writes a value at the target's level, as a settings file would hold it. */
      update: async (key: string, value: unknown, target: number): Promise<void> => {
        const level = LEVEL_ORDER[target - 1]!;
        const full = `${section}.${key}`;
        const others = fake.levels.filter((e) => !(e.key === full && e.level === level && e.language === undefined));
        fake.levels.splice(0, fake.levels.length, ...others, { level, key: full, value });
      },
    }),
    applyEdit: async (edit: WorkspaceEdit): Promise<boolean> => {
      for (const { edits } of edit.entries) {
        const doc = fake.activeEditor!.document;
        // Applied from the end so earlier positions stay valid, as one edit does.
        for (const e of [...edits].sort((a, b) => (b.range.start.isBefore(a.range.start) ? -1 : 1))) {
          fake.activeEditor!.snippets.push(e.snippet.value);
          doc.replace(e.range, snippetPlainText(e.snippet.value));
        }
      }
      return true;
    },
    textDocuments: [] as TextDocument[],
    isTrusted: true,
    onDidSaveTextDocument: () => ({ dispose: () => undefined }),
    onDidCloseTextDocument: () => ({ dispose: () => undefined }),
  },
  commands: {
    executeCommand: async (id: string, ...args: unknown[]) => fake.commands.get(id)?.(...args),
    registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
      fake.commands.set(id, handler);
      return { dispose: () => fake.commands.delete(id) };
    },
  },
  languages: {
    createDiagnosticCollection: () => ({
      set: () => undefined,
      delete: () => undefined,
      clear: () => undefined,
      dispose: () => undefined,
    }),
  },
};

let installed = false;

/** Makes `require('vscode')` return the stand-in (idempotent). */
export function installFakeVscode(): void {
  if (installed) return;
  installed = true;
  const mod = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
  const load = mod._load;
  mod._load = function (request: string, ...rest: unknown[]): unknown {
    return request === 'vscode' ? vscodeStub : load.call(this, request, ...rest);
  };
}
