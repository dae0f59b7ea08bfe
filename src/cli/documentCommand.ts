/**
 * `seq2seq document <file...>`: the main job without VS Code. Finds every function in the files
 * with tree-sitter (the miner's own notion of a function), writes a doc comment for each with a
 * model (the bundled default unless --model says otherwise), and prints it with its score and
 * mean token probability, beside the comment the function already has, if any; then each
 * parameter's line as Generate Doc Comment writes it (src/cli/paramLines.ts), from the project
 * and the parameter-description model (the bundled one unless --param-model says otherwise).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';

import { selectBackend } from '../core/backend';
import { DECODING_DEFAULTS, type Decoding } from '../core/decoding';
import { meanTokenProbability } from '../core/lengthScore';
import { languageOfPath } from '../parsing/languages';
import { hasConfigFile } from '../modelFolder/format';
import { functionsToDocument, type FunctionToDocument, type ParseReport } from '../mining/indexMining';
import { ParserPool } from '../parsing/parser';
import { skipMessage } from '../mining/filters';
import { readSourceFile } from '../mining/walk';
import { ModelRunner } from '../inference/modelRunner';
import { functionOrigin, reuseOrigin } from '../inference/translation';
import {
  addDecodingFlags,
  backendOption,
  beamOption,
  decodingChoice,
  wholeNumberOption,
  type DecodingFlags,
} from './options';
import { DEFAULT_INDEX_LIMITS, defaultIndexRoot, indexFolder, pathInIndex } from './projectIndex';
import { analyzedByLine, paramLines, paramLineText } from './paramLines';
import { jsonLine, terminalLines, terminalText } from './terminalText';
import { resolveModelDir } from '../training/job';

/**
 * A bundled model: `media/models/<name>` above the running script (dist/ or out/src/cli/); the
 * default model unless `name` says otherwise (`params`: the parameter-description model).
 */
export function bundledModelDir(from = __dirname, name = 'default'): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'media', 'models', name);
    if (hasConfigFile(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export { functionsToDocument, type FunctionToDocument };

interface DocumentOptions extends DecodingFlags {
  model?: string;
  paramModel?: string;
  beam: string;
  nbest: string;
  json: boolean;
  backend: string;
  /** False with --no-reuse. */
  reuse: boolean;
  /** Project folder whose documented functions are the neighbours (default: the git root or the files' folder). */
  index?: string;
  /** False with --no-index: the model's bundled memory only. */
  indexing: boolean;
}

export function registerDocumentCommand(program: Command): void {
  addDecodingFlags(program.command('document'))
    .description('write a doc comment for every function in the files, with scores (default: the bundled model)')
    .argument('<file...>', 'source files (Python, JavaScript, TypeScript, Java, Go, Rust, ...)')
    .option('--model <dir>', 'model folder (default: the bundled default model)')
    .option('--param-model <dir>', 'parameter-description model folder (default: the bundled one)')
    .option('--beam <n>', 'beam size', String(DECODING_DEFAULTS.beamSize))
    .option('--nbest <n>', 'candidates printed per function', '1')
    .option('--json', 'print JSON lines instead of text', false)
    .option('--no-reuse', "always write a new comment, never a similar function's summary")
    .option(
      '--index <dir>',
      "project folder whose documented functions are the neighbours (default: the files' git root, or their folder)",
    )
    .option('--no-indexing', "use only the model's bundled memory, not the project's functions")
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action(async (files: string[], opts: DocumentOptions) => {
      const backend = backendOption(opts.backend);
      const flags = decodingChoice(opts);
      const beamSize = beamOption(opts.beam);
      const decoding: Decoding = {
        ...DECODING_DEFAULTS,
        beamSize,
        nBest: Math.min(beamSize, wholeNumberOption('--nbest', opts.nbest)),
        ...flags,
        ...(opts.reuse ? {} : { reuseSimilarity: null }),
      };
      const inputs = files.map((f) => {
        const lang = languageOfPath(f);
        if (!lang) throw new Error(`${f}: unsupported file type; use a source file such as .py, .js or .ts.`);
        if (!fs.existsSync(f)) throw new Error(`${f}: no such file`);
        return { file: f, lang };
      });
      const modelDir = opts.model ? resolveModelDir(opts.model) : bundledModelDir();
      if (!modelDir)
        throw new Error('no bundled default model found; pass --model <dir> or run npm run train:default.');
      const paramModelDir = opts.paramModel ? resolveModelDir(opts.paramModel) : bundledModelDir(__dirname, 'params');
      const choice = await selectBackend({ setting: backend });
      const runner = await ModelRunner.load(modelDir);
      const paramRunner = paramModelDir ? await ModelRunner.load(paramModelDir) : undefined;
      const parsers = new ParserPool();
      // Names, paths, comments and model output come from source files: printed with their
      // control characters made visible (terminalLines), or as exact JSON (jsonLine).
      const out = { write: (text: string) => process.stdout.write(terminalLines(text)) };
      try {
        if (!opts.json)
          out.write(
            `model ${terminalText(modelDir)} on ${choice.name}; parameters: ${paramModelDir ? `${terminalText(paramModelDir)} (confidence at least ${paramRunner!.meta.minConfidence ?? 0})` : 'the project only (no parameter model)'}\n`,
          );
        const root = opts.indexing && runner.memory ? path.resolve(opts.index ?? defaultIndexRoot(files)) : undefined;
        // The default folder is read up to a cap (a scratch or home folder is not one project).
        const index = root
          ? await indexFolder(root, parsers, opts.index ? undefined : DEFAULT_INDEX_LIMITS)
          : undefined;
        if (index && !opts.json)
          out.write(
            `neighbours from ${terminalText(root!)}: ${index.documentedCount} documented of ${index.size} functions${index.documentedCount > 0 ? '' : runner.memory!.size > 0 ? " (none: the model's bundled memory instead)" : ' (none: the model writes without a neighbour)'}\n`,
          );
        for (const { file, lang } of inputs) {
          // The miner's file rules: size, binary, invalid UTF-8, minified, generated, not a file.
          const read = await readSourceFile(file, file, { ignoreFolderNames: true });
          if ('reason' in read) {
            const message = skipMessage(file, read.reason);
            if (opts.json) out.write(`${jsonLine({ file, skipped: read.reason, message })}\n`);
            else out.write(`\n${message}\n`);
            continue;
          }
          const parse: ParseReport = {};
          const fns = await functionsToDocument(parsers, lang, read.content, parse);
          if (!opts.json)
            out.write(`\n${terminalText(file)} (${lang}): ${fns.length} function${fns.length === 1 ? '' : 's'}\n`);
          if (parse.unparsed) {
            const { count, firstLine } = parse.unparsed;
            const message = `${count} more function${count === 1 ? '' : 's'} (from line ${firstLine}) could not be parsed and ${count === 1 ? 'is' : 'are'} skipped: the file has a syntax error there, or nests deeper than the parser follows (about 500 levels).`;
            if (opts.json) out.write(`${jsonLine({ file, unparsed: parse.unparsed, message })}\n`);
            else out.write(`  ${message}\n`);
          }
          const shapes = await analyzedByLine(parsers, lang, read.content);
          const excludePath = index ? pathInIndex(index.root, file) : undefined;
          for (const fn of fns) {
            const shape = shapes.get(fn.line);
            const params = shape ? paramLines(shape, index, excludePath, paramRunner) : [];
            const t = runner.translate(
              { direction: 'code2doc', text: fn.code, language: lang, decoding },
              // The file as the index names it, whatever form the argument has (the function's own
              // documented version, which lives there, is never its neighbour).
              index ? { index, excludePath: excludePath! } : undefined,
            );
            const candidates = t.candidates.map((c) => ({
              text: c.text,
              score: c.score,
              meanTokenProbability: meanTokenProbability(c),
              ...(c.reusedFrom ? { reusedFrom: { ...c.reusedFrom, alsoGenerated: undefined } } : {}),
            }));
            const neighbour = t.neighbour;
            if (opts.json) {
              out.write(
                `${jsonLine({ file, lang, ...fn, code: undefined, candidates, neighbour, params, ms: Math.round(t.elapsedMs) })}\n`,
              );
              continue;
            }
            out.write(`\n  line ${fn.line}  ${terminalText(fn.name)}\n`);
            for (const c of candidates)
              out.write(
                `    ${terminalText(c.text) || '(empty)'}\n      ${c.reusedFrom ? `reused: ${terminalText(reuseOrigin(c.reusedFrom))}, ` : ''}score ${c.score.toFixed(3)}, mean token probability ${c.meanTokenProbability.toFixed(2)}, ${Math.round(t.elapsedMs)} ms\n`,
              );
            if (neighbour)
              out.write(
                `    neighbour (${neighbour.source === 'workspace' ? 'project' : 'bundled memory'}): ${terminalText(functionOrigin(neighbour))}, ${Math.round(100 * neighbour.similarity)}% the same code\n`,
              );
            if (fn.existing) out.write(`    written by its author: ${terminalText(fn.existing)}\n`);
            for (const line of params) out.write(`    param ${terminalText(paramLineText(line))}\n`);
          }
        }
      } finally {
        parsers.dispose();
        runner.dispose();
        paramRunner?.dispose();
      }
    });
}
