/**
 * `seq2seq document <file...>`: the main job without VS Code. Finds every function in the files
 * with tree-sitter (the miner's own notion of a function), writes a doc comment for each with a
 * model (the bundled default unless --model says otherwise), and prints it with its score and
 * mean token probability, beside the comment the function already has, if any.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';

import { isBackendSetting, selectBackend } from '../core/backend';
import { languageOfPath, LANGUAGE_SPECS, type CorpusLanguage } from '../data/languages';
import { locateFunctions, minePairsFromTree } from '../data/mine';
import { ParserPool } from '../data/parser';
import { skipMessage } from '../data/filters';
import { readSourceFile } from '../data/walk';
import { ModelRunner } from '../inference/modelRunner';
import { reuseOrigin } from '../inference/translation';
import { resolveModelDir } from '../training/job';

/** The bundled default model: `media/models/default` above the running script (dist/ or out/src/cli/). */
export function bundledModelDir(from = __dirname): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'media', 'models', 'default');
    if (fs.existsSync(path.join(candidate, 'config.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface FunctionToDocument {
  readonly name: string;
  /** 1-based line of the function's first line (decorators included). */
  readonly line: number;
  /** The code the model reads: the function without its own doc comment. */
  readonly code: string;
  /** First sentence of the doc comment it already has. */
  readonly existing?: string;
}

/** Every function in `text`, with its code as mining presents it (doc comments removed). */
export async function functionsToDocument(
  parsers: ParserPool,
  lang: CorpusLanguage,
  text: string,
): Promise<FunctionToDocument[]> {
  const tree = (await parsers.get(lang)).parse(text);
  if (!tree) return [];
  try {
    const documented = new Map(minePairsFromTree(text, tree.rootNode, lang, '').map((p) => [p.line, p]));
    return locateFunctions(tree.rootNode, LANGUAGE_SPECS[lang]).map(({ anchor, name }) => {
      const line = anchor.startPosition.row + 1;
      const pair = documented.get(line);
      return pair
        ? { name, line, code: pair.code, existing: pair.summary }
        : { name, line, code: text.slice(anchor.startIndex, anchor.endIndex) };
    });
  } finally {
    tree.delete();
  }
}

interface DocumentOptions {
  model?: string;
  beam: string;
  nbest: string;
  json: boolean;
  backend: string;
  /** False with --no-reuse. */
  reuse: boolean;
}

export function registerDocumentCommand(program: Command): void {
  program
    .command('document')
    .description('write a doc comment for every function in the files, with scores (default: the bundled model)')
    .argument('<file...>', 'source files (Python, JavaScript, TypeScript, Java, Go, Rust, ...)')
    .option('--model <dir>', 'model folder (default: the bundled default model)')
    .option('--beam <n>', 'beam size', '4')
    .option('--nbest <n>', 'candidates printed per function', '1')
    .option('--json', 'print JSON lines instead of text', false)
    .option('--no-reuse', "always write a new comment, never a similar training function's summary")
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action(async (files: string[], opts: DocumentOptions) => {
      if (!isBackendSetting(opts.backend))
        throw new Error(`Unknown backend "${opts.backend}": use auto, tensorflow, wasm or cpu.`);
      const inputs = files.map((f) => {
        const lang = languageOfPath(f);
        if (!lang) throw new Error(`${f}: unsupported file type; use a source file such as .py, .js or .ts.`);
        if (!fs.existsSync(f)) throw new Error(`${f}: no such file`);
        return { file: f, lang };
      });
      const modelDir = opts.model ? resolveModelDir(opts.model) : bundledModelDir();
      if (!modelDir)
        throw new Error('no bundled default model found; pass --model <dir> or run npm run train:default.');
      const choice = await selectBackend({ setting: opts.backend });
      const runner = await ModelRunner.load(modelDir);
      const parsers = new ParserPool();
      const out = process.stdout;
      try {
        if (!opts.json) out.write(`model ${modelDir} on ${choice.name}\n`);
        for (const { file, lang } of inputs) {
          // The miner's file rules: size, binary, invalid UTF-8, minified, generated, not a file.
          const read = await readSourceFile(file, file, { ignoreFolderNames: true });
          if ('reason' in read) {
            const message = skipMessage(file, read.reason);
            if (opts.json) out.write(`${JSON.stringify({ file, skipped: read.reason, message })}\n`);
            else out.write(`\n${message}\n`);
            continue;
          }
          const fns = await functionsToDocument(parsers, lang, read.content);
          if (!opts.json) out.write(`\n${file} (${lang}): ${fns.length} function${fns.length === 1 ? '' : 's'}\n`);
          for (const fn of fns) {
            const beam = Math.max(1, Number(opts.beam));
            const t = runner.translate({
              direction: 'code2doc',
              text: fn.code,
              language: lang,
              beamSize: beam,
              nBest: Math.max(1, Math.min(beam, Number(opts.nbest))),
              maxLength: 64,
              lengthPenalty: 0.6,
              ...(opts.reuse ? {} : { reuseSimilarity: null }),
            });
            const candidates = t.candidates.map((c) => ({
              text: c.text,
              score: c.score,
              meanTokenProbability: Math.exp(c.logProb / Math.max(1, c.tokens.length)),
              ...(c.reusedFrom ? { reusedFrom: { path: c.reusedFrom.path, similarity: c.reusedFrom.similarity } } : {}),
            }));
            if (opts.json) {
              out.write(
                `${JSON.stringify({ file, lang, ...fn, code: undefined, candidates, ms: Math.round(t.elapsedMs) })}\n`,
              );
              continue;
            }
            out.write(`\n  line ${fn.line}  ${fn.name}\n`);
            for (const c of candidates)
              out.write(
                `    ${c.text || '(empty)'}\n      ${c.reusedFrom ? `reused: ${reuseOrigin(c.reusedFrom)}, ` : ''}score ${c.score.toFixed(3)}, mean token probability ${c.meanTokenProbability.toFixed(2)}, ${Math.round(t.elapsedMs)} ms\n`,
              );
            if (fn.existing) out.write(`    written by its author: ${fn.existing}\n`);
          }
        }
      } finally {
        parsers.dispose();
        runner.dispose();
      }
    });
}
