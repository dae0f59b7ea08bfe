/** The engine worker with networking forbidden (helpers/noNetwork.ts) before any of it loads. */
import { createRequire } from 'module';
import * as path from 'path';
import { forbidNetwork } from './noNetwork';

forbidNetwork();
createRequire(__filename)(path.join(__dirname, '..', '..', '..', 'src', 'worker', 'worker.js'));
