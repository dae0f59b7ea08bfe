/**
 * Whether the computer runs on battery, where it can be told: VS Code has no API for it, so Linux
 * reads `/sys/class/power_supply` (a battery present and no mains supply online) and macOS asks
 * `pmset -g ps`. Elsewhere (Windows) the answer is undefined: unknown, and learning runs as if
 * on mains.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const SUPPLIES = '/sys/class/power_supply';

/** Linux: true on battery, false on mains, undefined when there is no battery or nothing to read. */
export function linuxOnBattery(root = SUPPLIES): boolean | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return undefined;
  }
  const read = (name: string, file: string): string | undefined => {
    try {
      return fs.readFileSync(path.join(root, name, file), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const types = names.map((n) => ({ n, type: read(n, 'type') }));
  if (!types.some((t) => t.type === 'Battery')) return undefined;
  const mains = types.filter((t) => t.type === 'Mains' || t.type === 'USB');
  if (mains.length === 0) return read(types.find((t) => t.type === 'Battery')!.n, 'status') === 'Discharging';
  return !mains.some((t) => read(t.n, 'online') === '1');
}

/** True on battery, false on mains, undefined where it cannot be told. */
export function onBattery(): Promise<boolean | undefined> {
  if (process.platform === 'linux') return Promise.resolve(linuxOnBattery());
  if (process.platform === 'darwin')
    return new Promise((resolve) =>
      execFile('pmset', ['-g', 'ps'], { timeout: 2000 }, (err, out) =>
        resolve(err ? undefined : /Battery Power/.test(out) ? true : /AC Power/.test(out) ? false : undefined),
      ),
    );
  return Promise.resolve(undefined);
}
