/**
 * `seq2seq search "<sentence>" --index <dir>`: Find Code by Description without VS Code. Mines the
 * folder into a workspace index (every function, documented or not; `.gitignore`, secret and
 * vendored files skipped), takes BM25's best candidates and re-ranks them by the model's score of
 * the sentence given each candidate's code. Also the project folder `seq2seq document` indexes.
 */
import * as path from 'path';
import type { Command } from 'commander';

import { selectBackend } from '../core/backend';
import type { FunctionIndex } from '../retrieval/functionIndex';
import { ParserPool } from '../parsing/parser';
import { DEFAULT_CANDIDATES, DEFAULT_RERANK_WEIGHTS, searchCode } from '../inference/codeSearch';
import { ModelRunner } from '../inference/modelRunner';
import { resolveModelDir } from '../training/job';
import { bundledModelDir } from './documentCommand';
import { backendOption, wholeNumberOption } from './options';
import { DEFAULT_INDEX_LIMITS, defaultIndexRoot, indexFolder } from './projectIndex';
import { jsonLine, terminalLines, terminalText } from './terminalText';

interface SearchOptions {
  index?: string;
  model?: string;
  limit: string;
  candidates: string;
  bm25Only: boolean;
  json: boolean;
  backend: string;
}

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description("find functions by description: BM25 over the folder's functions, re-ranked by the model")
    .argument('<sentence>', 'what the code does, e.g. "read a JSON file and return its contents"')
    .option('--index <dir>', 'project folder to search (default: the git root above the current folder, or it)')
    .option('--model <dir>', 'model folder (default: the bundled default model)')
    .option('--limit <n>', 'results printed', '10')
    .option('--candidates <n>', 'BM25 candidates the model re-ranks', String(DEFAULT_CANDIDATES))
    .option('--bm25-only', 'rank by BM25 alone, without the model', false)
    .option('--json', 'print JSON lines instead of text', false)
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action(async (sentence: string, opts: SearchOptions) => {
      if (!sentence.trim()) throw new Error('the sentence is empty; describe what the code does.');
      const backend = backendOption(opts.backend);
      const limit = wholeNumberOption('--limit', opts.limit);
      const candidates = wholeNumberOption('--candidates', opts.candidates);
      const root = path.resolve(opts.index ?? defaultIndexRoot([path.join(process.cwd(), '.')]));
      const parsers = new ParserPool();
      let index: FunctionIndex;
      try {
        // The default folder is read up to a cap (a scratch or home folder is not one project).
        index = await indexFolder(root, parsers, opts.index ? undefined : DEFAULT_INDEX_LIMITS);
      } finally {
        parsers.dispose();
      }
      // Names, paths and summaries come from source files: printed with their control characters
      // made visible (terminalLines), or as exact JSON (jsonLine).
      const out = { write: (text: string) => process.stdout.write(terminalLines(text)) };
      if (index.size === 0) {
        if (!opts.json) out.write(`no functions found under ${terminalText(root)}\n`);
        return;
      }
      let runner: ModelRunner | undefined;
      if (!opts.bm25Only) {
        const modelDir = opts.model ? resolveModelDir(opts.model) : bundledModelDir();
        if (!modelDir)
          throw new Error('no bundled default model found; pass --model <dir>, or --bm25-only to search without one.');
        await selectBackend({ setting: backend });
        runner = await ModelRunner.load(modelDir);
      }
      try {
        const started = performance.now();
        const results = searchCode(index, sentence, runner, {
          limit,
          candidates,
          weights: runner ? DEFAULT_RERANK_WEIGHTS : { bm25: 1, code2doc: 0, doc2code: 0 },
        });
        const ms = performance.now() - started;
        if (!opts.json)
          out.write(
            `${index.size} functions in ${index.fileCount} files under ${terminalText(root)}; ${Math.round(ms)} ms\n`,
          );
        results.forEach((r, i) => {
          const { code: _code, ...fn } = r.fn;
          if (opts.json) {
            out.write(`${jsonLine({ rank: i + 1, ...fn, score: r.score, bm25: r.bm25, code2doc: r.code2doc })}\n`);
            return;
          }
          out.write(`\n${i + 1}. ${terminalText(r.fn.name)}  ${terminalText(r.fn.path)}:${r.fn.line}\n`);
          if (r.fn.summary) out.write(`   ${terminalText(r.fn.summary)}\n`);
          out.write(
            `   score ${r.score.toFixed(3)} (BM25 ${r.bm25.toFixed(2)}${r.code2doc !== undefined ? `, mean log p of the sentence ${r.code2doc.toFixed(2)}` : ''})\n`,
          );
        });
        if (results.length === 0 && !opts.json) out.write('no function matches any word of the sentence\n');
      } finally {
        runner?.dispose();
      }
    });
}
