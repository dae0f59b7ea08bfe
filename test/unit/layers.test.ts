/**
 * The layers of src/ as layers.json declares them (ARCHITECTURE.md), checked on every arrow the
 * TypeScript compiler reads: static, type-only and dynamic (`import()`, which ESLint's rule in
 * eslint.config.mjs does not see) imports and re-exports. Every file of src/ belongs to exactly one
 * layer; an arrow points to its own layer or one below; only the layers that may use VS Code import
 * it; a file of `onlyImportedBy` is imported by the files named there alone; and no files of src/
 * load each other in a circle (value imports, static or dynamic; type-only imports are erased).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import picomatch from 'picomatch';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..', '..');

interface Layer {
  readonly name: string;
  readonly files: readonly string[];
  readonly vscode?: boolean;
}
interface LayersFile {
  readonly layers: readonly Layer[];
  readonly onlyImportedBy: Readonly<Record<string, readonly string[]>>;
}

/** One import of a src file: a src file (`to`) or a package (`module`). */
interface Arrow {
  readonly from: string;
  readonly line: number;
  readonly kind: 'value' | 'type' | 'dynamic';
  readonly to?: string;
  readonly module?: string;
}

const { layers, onlyImportedBy } = JSON.parse(fs.readFileSync(path.join(ROOT, 'layers.json'), 'utf8')) as LayersFile;
const matchers = layers.map((l) => picomatch([...l.files]));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = path.posix.join(dir, d.name);
    return d.isDirectory() ? sourceFiles(rel) : d.name.endsWith('.ts') ? [rel] : [];
  });
}
const files = sourceFiles('src');
const fileSet = new Set(files);

/** The src file a relative specifier names, or undefined when it leaves src/ (package.json). */
function resolve(from: string, spec: string): string | undefined {
  const base = path.posix.join(path.posix.dirname(from), spec);
  return [`${base}.ts`, `${base}/index.ts`].find((f) => fileSet.has(f));
}

/** Named bindings that are all types (`import { type A, type B }`): TypeScript erases the import. */
const allTypes = (named: ts.NamedImportBindings | ts.NamedExportBindings | undefined): boolean =>
  !!named &&
  (ts.isNamedImports(named) || ts.isNamedExports(named)) &&
  named.elements.length > 0 &&
  named.elements.every((e) => e.isTypeOnly);

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly || allTypes(node.exportClause);
  const clause = node.importClause;
  return !!clause && (clause.isTypeOnly || (!clause.name && allTypes(clause.namedBindings)));
}

function arrowsOf(file: string): Arrow[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const arrows: Arrow[] = [];
  const add = (node: ts.Node, specifier: ts.Node | undefined, kind: Arrow['kind']): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    assert.ok(specifier && ts.isStringLiteral(specifier), `${file}:${line} imports a computed name`);
    const spec = specifier.text;
    if (!spec.startsWith('.')) arrows.push({ from: file, line, kind, module: spec });
    else {
      const to = resolve(file, spec);
      if (to) arrows.push({ from: file, line, kind, to });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || (ts.isExportDeclaration(node) && node.moduleSpecifier)) {
      add(node, node.moduleSpecifier, isTypeOnly(node) ? 'type' : 'value');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly ? 'type' : 'value');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], 'dynamic');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      add(node, node.arguments[0], 'value');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, 'type');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return arrows;
}

const layerOf = (file: string): number => matchers.findIndex((m) => m(file));
const where = (a: Arrow): string => `${a.from}:${a.line} -> ${a.to ?? a.module} (${a.kind})`;

/** Strongly connected components of more than one file, or of one file importing itself (Tarjan). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

describe('layers (layers.json, ARCHITECTURE.md)', () => {
  const arrows = files.flatMap(arrowsOf);

  it('every file of src/ belongs to exactly one layer, and every layer has files', () => {
    const wrong = files
      .map((f) => ({ f, in: layers.filter((_, i) => matchers[i]!(f)).map((l) => l.name) }))
      .filter((x) => x.in.length !== 1)
      .map((x) => `${x.f}: ${x.in.join(', ') || 'no layer'}`);
    assert.deepStrictEqual(wrong, []);
    for (const [i, layer] of layers.entries()) {
      assert.ok(
        files.some((f) => layerOf(f) === i),
        `no file in layer ${layer.name}`,
      );
    }
  });

  it('every import points to its own layer or one below it', () => {
    const up = arrows.filter((a) => a.to && layerOf(a.to) < layerOf(a.from));
    assert.deepStrictEqual(up.map(where), []);
  });

  it('only the layers that may use VS Code import it, and they sit above the others', () => {
    const vscode = arrows.filter((a) => a.module === 'vscode' && !layers[layerOf(a.from)]!.vscode);
    assert.deepStrictEqual(vscode.map(where), []);
    const first = layers.findIndex((l) => !l.vscode);
    assert.ok(
      layers.slice(first).every((l) => !l.vscode),
      'a layer that may use VS Code sits below one that may not',
    );
  });

  it('a file of onlyImportedBy is imported only by the files named there', () => {
    for (const [target, importers] of Object.entries(onlyImportedBy)) {
      assert.ok(fileSet.has(target), `${target} is not a file of src/`);
      const allowed = picomatch([...importers]);
      assert.deepStrictEqual(arrows.filter((a) => a.to === target && !allowed(a.from)).map(where), []);
    }
  });

  it('no files of src/ load each other in a circle (value imports, static or dynamic)', () => {
    const graph = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const a of arrows) if (a.to && a.kind !== 'type') graph.get(a.from)!.push(a.to);
    assert.deepStrictEqual(circles(graph), []);
  });
});
