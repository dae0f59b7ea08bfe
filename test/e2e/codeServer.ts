/**
 * Starts and stops a real VS Code (code-server 4.100.x, installed into .cache/code-server by
 * install-code-server.sh) with a fresh user-data-dir and extensions-dir, on 127.0.0.1 only.
 * The server runs in its own process group so that stopping it also ends its file watchers.
 */
import { spawn, execFileSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { scaled } from '../timeScale';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const ENTRY = path.join(REPO_ROOT, '.cache', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export interface CodeServerOptions {
  /** Packaged extension to install before starting. */
  vsix?: string;
  /** Extra environment for the server and so for the extension host. */
  env?: Record<string, string>;
  /** User settings written to settings.json. */
  settings?: Record<string, unknown>;
}

const BASE_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export class CodeServer {
  private child: ChildProcess | undefined;
  private readonly logLines: string[] = [];
  readonly dir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  port = 0;

  constructor(private readonly options: CodeServerOptions = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seq2seq-e2e-'));
    this.userDataDir = path.join(this.dir, 'user-data');
    this.extensionsDir = path.join(this.dir, 'extensions');
    fs.mkdirSync(path.join(this.userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(this.extensionsDir, { recursive: true });
  }

  static installed(): boolean {
    return fs.existsSync(ENTRY);
  }

  private baseArgs(): string[] {
    return [
      ENTRY,
      '--config',
      path.join(this.dir, 'config.yaml'),
      '--user-data-dir',
      this.userDataDir,
      '--extensions-dir',
      this.extensionsDir,
    ];
  }

  async start(): Promise<void> {
    if (!CodeServer.installed()) {
      throw new Error('code-server is not installed: run `bash test/e2e/install-code-server.sh` first.');
    }
    fs.writeFileSync(path.join(this.dir, 'config.yaml'), 'auth: none\ncert: false\n');
    this.setSettings({});
    if (this.options.vsix) {
      execFileSync(process.execPath, [...this.baseArgs(), '--install-extension', this.options.vsix], {
        stdio: 'pipe',
        timeout: scaled(120_000),
      });
    }
    this.port = await freePort();
    this.child = spawn(
      process.execPath,
      [
        ...this.baseArgs(),
        '--bind-addr',
        `127.0.0.1:${this.port}`,
        '--auth',
        'none',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.options.env } },
    );
    const collect = (chunk: Buffer): void => {
      this.logLines.push(...chunk.toString().split('\n').filter(Boolean));
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    await this.waitForHttp(scaled(60_000));
  }

  private async waitForHttp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) {
        throw new Error(`code-server exited early (${this.child.exitCode}):\n${this.log()}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer within ${timeoutMs} ms:\n${this.log()}`);
  }

  /** Writes the user settings: the harness's base ones plus the suite's and `extra`. */
  setSettings(extra: Record<string, unknown>): void {
    fs.writeFileSync(
      path.join(this.userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...BASE_SETTINGS, ...this.options.settings, ...extra }, null, 2),
    );
  }

  url(folder: string, payload?: ReadonlyArray<readonly [string, string]>): string {
    const query = new URLSearchParams({ folder });
    if (payload) query.set('payload', JSON.stringify(payload));
    return `http://127.0.0.1:${this.port}/?${query.toString()}`;
  }

  /** The extension host's log lines that mention our extension, from the server's log folder. */
  extensionHostLog(): string {
    const logs = path.join(this.userDataDir, 'logs');
    if (!fs.existsSync(logs)) return '';
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/exthost|Seq2Seq/i.test(entry.name)) out.push(fs.readFileSync(full, 'utf8'));
      }
    };
    walk(logs);
    return out.join('\n');
  }

  log(): string {
    return this.logLines.slice(-40).join('\n');
  }

  /** Ends the server's whole process group; safe to call twice. */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  cleanup(): void {
    this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
