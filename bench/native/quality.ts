/**
 * `npm run bench:native-quality -- --run <native run folder>`: does a model trained natively score
 * the same once converted? The validation examples the run was handed (`valid.bin`: code2doc
 * sources with their neighbours, as training saw them) are decoded twice with the same weights:
 * by this engine from the converted model folder (what the extension runs) and by the native
 * engine from its interchange file (its own logits and search). Both outputs are detokenized with
 * the run's tokenizer and scored with corpus chrF against the references; the difference is the
 * figure (the target: within 0.1 chrF), with the share of identical outputs.
 *
 * Flags: --run <dir> (a `<out>/native` folder of `train --engine native` or a recipe arm's
 * `run/native`), --checkpoint best|last (default best), --limit N (default 300), --beam K
 * (default DECODING_DEFAULTS.beamSize), --max-length N (default 32); the length penalty is
 * DECODING_DEFAULTS.lengthPenalty.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { selectBackend } from '../../src/core/backend';
import { loadModel } from '../../src/modelFolder/checkpoint';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { beamSearch } from '../../src/core/search';
import { CODE2DOC_ID } from '../../src/core/specialTokens';
import { TOKENIZER_FILE } from '../../src/modelFolder/format';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { corpusChrf } from '../../src/training/chrf';
import { decodeExamples } from '../../src/training/examplesCache';
import { findNativeEngine, handOffFiles, interchangeToFolder } from '../../src/training/nativeEngine';

function flag(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const runFlag = flag('run');
  if (!runFlag) throw new Error('pass --run <the native run folder> (e.g. .cache/model-v3/gru/run/native)');
  const files = handOffFiles(path.resolve(runFlag));
  const checkpoint = flag('checkpoint', 'best')!;
  const weights = path.join(files.runDir, checkpoint, 'model.safetensors');
  if (!fs.existsSync(weights)) throw new Error(`${weights} is missing; train the run first.`);
  const limit = Number(flag('limit', '300'));
  const beam = Number(flag('beam', String(DECODING_DEFAULTS.beamSize)));
  const { lengthPenalty } = DECODING_DEFAULTS;
  const maxLength = Number(flag('max-length', '32'));
  const examples = decodeExamples(fs.readFileSync(files.valid));
  if (!examples) throw new Error(`${files.valid} is not an examples file`);
  const sample = examples.filter((e) => e.src[0] === CODE2DOC_ID).slice(0, limit);
  const tokenizer = CodeTokenizer.load(path.join(files.template, TOKENIZER_FILE));
  const text = (ids: readonly number[]): string => tokenizer.decode([...ids]).trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-native-quality-'));
  try {
    // This engine: the converted model folder, as the extension loads it.
    await selectBackend({ setting: 'wasm' });
    const folder = path.join(tmp, 'model');
    await interchangeToFolder(weights, folder, files.template, false);
    const { model } = await loadModel(folder);
    const t0 = Date.now();
    const here = sample.map(
      (e) => beamSearch(model, [...e.src], { beamSize: beam, maxLength, lengthPenalty })[0]!.tokens,
    );
    const hereMs = Date.now() - t0;
    model.dispose();
    // The native engine: its own forward pass and search on the interchange file.
    const engine = findNativeEngine();
    const sources = path.join(tmp, 'sources.json');
    const out = path.join(tmp, 'native.json');
    fs.writeFileSync(sources, JSON.stringify(sample.map((e) => e.src)));
    const t1 = Date.now();
    const args = [
      '--beam-size',
      String(beam),
      '--max-length',
      String(maxLength),
      '--length-penalty',
      String(lengthPenalty),
    ];
    const d = spawnSync(
      engine.python,
      ['-m', 'seq2seq_native', 'decode', '--weights', weights, '--sources', sources, '--out', out, ...args],
      { encoding: 'utf8', env: { ...process.env, PYTHONPATH: engine.packageRoot, OMP_NUM_THREADS: '1' } },
    );
    if (d.status !== 0) throw new Error(`native decode failed: ${d.stderr}`);
    const nativeMs = Date.now() - t1;
    const there = JSON.parse(fs.readFileSync(out, 'utf8')) as number[][];
    const refs = sample.map((e) => text(e.tgt));
    const [a, b] = [here.map(text), there.map(text)];
    const chrfHere = corpusChrf(a, refs);
    const chrfThere = corpusChrf(b, refs);
    const same = here.filter((h, i) => h.join(' ') === there[i]!.join(' ')).length;
    console.log(
      `${sample.length} validation functions (code2doc, with their neighbours), ${checkpoint}/ at ${weights}`,
    );
    console.log(`beam ${beam}, length penalty ${lengthPenalty}, at most ${maxLength} tokens`);
    console.log(`converted, this engine (tfjs):   chrF ${chrfHere.toFixed(2)}  (${(hereMs / 1000).toFixed(1)} s)`);
    console.log(`native engine (PyTorch):         chrF ${chrfThere.toFixed(2)}  (${(nativeMs / 1000).toFixed(1)} s)`);
    console.log(`difference ${(chrfHere - chrfThere).toFixed(3)} chrF; identical outputs ${same}/${sample.length}`);
    for (let i = 0; i < 5; i++) console.log(`  ref:  ${refs[i]}\n  tfjs: ${a[i]}\n  torch: ${b[i]}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:native-quality: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
