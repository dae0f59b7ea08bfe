/**
 * scripts/paths.ts: the scripts find the repository, not their build folder under out/; and the
 * corpus build finds the miner's files it fingerprints (scripts/corpus/mining.ts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { minerFingerprint } from '../../scripts/corpus/mining';
import { MEDIA_MODEL_DIR, REPO_ROOT } from '../../scripts/paths';

describe('script paths', () => {
  it('find the repository root from the build under out/, and the bundled model folder in it', () => {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'scripts', 'model-v2', 'recipe.json')), REPO_ROOT);
    assert.notStrictEqual(path.basename(REPO_ROOT), 'out');
    assert.strictEqual(MEDIA_MODEL_DIR, path.join(REPO_ROOT, 'media', 'models', 'default'));
  });

  it("find the miner's compiled files for the corpus build's cache key", () => {
    assert.match(minerFingerprint(), /^[0-9a-f]{16}$/);
  });
});
