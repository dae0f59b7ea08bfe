/**
 * `node out/scripts/model-v2/readerCount.js <final dir>`: counts the comments a reader kept on the
 * ticked `reader-sheet.md` of a finished arm (readerSheet.ts), checked against `reader-key.json`,
 * writes the counts into the folder's MODEL.md (replacing an earlier count, atomically) and prints
 * them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { writeFileAtomically } from '../../src/modelFolder/atomicFolder';
import {
  READER_KEY_FILE,
  READER_SHEET_FILE,
  readerCounts,
  readerSection,
  readerTable,
  withReaderSection,
  type ReaderKey,
} from './readerSheet';

async function main(): Promise<void> {
  const dir = new Command()
    .argument(
      '<final dir>',
      `a finished arm's final/ folder: MODEL.md, ${READER_SHEET_FILE} (ticked) and ${READER_KEY_FILE}`,
    )
    .parse().args[0]!;
  const read = (name: string): string => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: the recipe's \`--finish --arm <arm>\` writes it.`);
    return fs.readFileSync(file, 'utf8');
  };
  const key = JSON.parse(read(READER_KEY_FILE)) as ReaderKey;
  const counts = readerCounts(read(READER_SHEET_FILE), key);
  const card = withReaderSection(read('MODEL.md'), readerSection(counts, key.systems));
  await writeFileAtomically(path.join(dir, 'MODEL.md'), card);
  process.stdout.write(`${readerTable(counts, key.systems)}\n`);
  process.stderr.write(`written into ${path.join(dir, 'MODEL.md')}\n`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`readerCount: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
