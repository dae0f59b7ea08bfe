/**
 * Forbids networking in this thread: every way Node opens a connection or resolves a name (net
 * and tls sockets, http/https through them, fetch, dns, UDP) throws, and each attempt is
 * recorded, also to the file named by SEQ2SEQ_NETWORK_LOG so that attempts in worker threads
 * reach the test. Used by offline.test.ts to prove that nothing leaves the machine.
 */
import type * as Dgram from 'dgram';
import type * as Dns from 'dns';
import * as fs from 'fs';
import { createRequire } from 'module';
import type * as Net from 'net';
import { threadId } from 'worker_threads';

// The modules' own objects (a TypeScript namespace import is a read-only copy of them).
const nodeRequire = createRequire(__filename);
const dgram = nodeRequire('dgram') as typeof Dgram;
const dns = nodeRequire('dns') as typeof Dns;
const net = nodeRequire('net') as typeof Net;

export const NETWORK_LOG_ENV = 'SEQ2SEQ_NETWORK_LOG';
export const attempts: string[] = [];

function forbidden(what: string): Error {
  const line = `${what} (thread ${threadId})`;
  attempts.push(line);
  const log = process.env[NETWORK_LOG_ENV];
  if (log) fs.appendFileSync(log, `${line}\n`);
  return new Error(`network access is forbidden here: ${line}`);
}

type Patch = [object, string, unknown];

/** Installs the guard; returns a function that takes it away again. */
export function forbidNetwork(): () => void {
  const patches: Patch[] = [];
  const patch = (target: object, key: string, replacement: unknown): void => {
    patches.push([target, key, (target as Record<string, unknown>)[key]]);
    (target as Record<string, unknown>)[key] = replacement;
  };
  patch(net.Socket.prototype, 'connect', function (this: unknown, ...args: unknown[]) {
    throw forbidden(`socket connect ${JSON.stringify(args[0])}`);
  });
  for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny'])
    patch(dns, name, (host: unknown) => {
      throw forbidden(`dns.${name} ${String(host)}`);
    });
  patch(dns.promises, 'lookup', (host: unknown) => Promise.reject(forbidden(`dns.promises.lookup ${String(host)}`)));
  patch(dgram.Socket.prototype, 'send', () => {
    throw forbidden('udp send');
  });
  patch(globalThis, 'fetch', (url: unknown) => Promise.reject(forbidden(`fetch ${String(url)}`)));
  return () => {
    for (const [target, key, original] of patches.reverse()) (target as Record<string, unknown>)[key] = original;
  };
}
