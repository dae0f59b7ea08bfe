/** scripts/paths.ts: the scripts find the repository, not their build folder under out/. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { MEDIA_MODEL_DIR, REPO_ROOT } from '../../scripts/paths';

describe('script paths', () => {
  it('find the repository root from the build under out/, and the bundled model folder in it', () => {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'scripts', 'model-v2', 'recipe.json')), REPO_ROOT);
    assert.notStrictEqual(path.basename(REPO_ROOT), 'out');
    assert.strictEqual(MEDIA_MODEL_DIR, path.join(REPO_ROOT, 'media', 'models', 'default'));
  });
});
