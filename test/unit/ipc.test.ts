/**
 * The message descriptors of src/protocol/ipc.ts and the protocols declared with them: every
 * method is unique within its boundary, each descriptor travels the way its boundary allows, the
 * wire names and envelopes are the ones the other side expects, a message round-trips through
 * `isIpcMessage`, and the compiler rejects a message sent the wrong way.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import {
  ipcCommand,
  ipcMessage,
  ipcNotification,
  ipcRequest,
  isIpcMessage,
  type AnyIpcMessageType,
  type IpcCommand,
  type IpcKind,
  type IpcNotification,
  type IpcRequest,
} from '../../src/protocol/ipc';
import * as attention from '../../src/webviews/attention/protocol';
import * as dashboard from '../../src/webviews/dashboard/protocol';
import * as webview from '../../src/webviews/protocol';
import * as engine from '../../src/worker/protocol';
import * as parse from '../../src/worker/parseProtocol';
import { eventMessage, requestMessage } from '../../src/worker/rpc';
import type { EngineWorkerClient } from '../../src/worker/client';
import type { WorkerServer } from '../../src/worker/server';

function descriptors(...modules: object[]): AnyIpcMessageType[] {
  return modules.flatMap((m) =>
    Object.values(m).filter(
      (v): v is AnyIpcMessageType =>
        typeof v === 'object' && v !== null && typeof (v as { method?: unknown }).method === 'string' && 'kind' in v,
    ),
  );
}

function methodsByKind(types: readonly AnyIpcMessageType[]): Record<IpcKind, string[]> {
  const out: Record<IpcKind, string[]> = { command: [], request: [], notification: [] };
  for (const t of types) out[t.kind].push(t.method);
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** Each boundary: the descriptors both of its sides may exchange. */
const BOUNDARIES = {
  'attention panel': descriptors(webview, attention),
  dashboard: descriptors(webview, dashboard),
  'engine worker': descriptors(engine),
  'parse worker': descriptors(parse),
};

describe('ipc descriptors', () => {
  for (const [name, types] of Object.entries(BOUNDARIES)) {
    it(`${name}: every method is declared once`, () => {
      const methods = types.map((t) => t.method);
      assert.ok(methods.length > 0);
      assert.deepStrictEqual(
        methods.filter((m, i) => methods.indexOf(m) !== i),
        [],
      );
    });
  }

  it('keeps the wire names the other side of each boundary expects', () => {
    assert.deepStrictEqual(methodsByKind(BOUNDARIES['attention panel']), {
      command: ['exportData', 'hoverSource', 'hoverTarget', 'ready', 'revealSource'],
      request: [],
      notification: ['exportResult', 'showAttention'],
    });
    assert.deepStrictEqual(methodsByKind(BOUNDARIES.dashboard), {
      command: ['controlRun', 'exportCsv', 'exportPng', 'listRuns', 'loadCompareRun', 'ready'],
      request: [],
      notification: ['compareLoaded', 'events', 'exportDone', 'runsListed', 'snapshot'],
    });
    assert.deepStrictEqual(methodsByKind(BOUNDARIES['engine worker']), {
      command: [],
      request: [
        'checkSummaries',
        'describeParams',
        'indexBuild',
        'indexUpdate',
        'mine',
        'searchCode',
        'trainCancel',
        'trainPause',
        'trainResume',
        'trainStart',
        'translate',
        'validateModel',
      ],
      notification: ['indexProgress', 'mineProgress', 'ready', 'trainProgress', 'trainStarted'],
    });
    assert.deepStrictEqual(methodsByKind(BOUNDARIES['parse worker']), {
      command: [],
      request: ['locate'],
      notification: [],
    });
  });

  it('a webview message round-trips through postMessage and isIpcMessage', () => {
    const sent = ipcMessage(dashboard.LoadCompareRun, { id: 'run-1' });
    assert.deepStrictEqual(sent, { method: 'loadCompareRun', params: { id: 'run-1' } });
    const received: unknown = structuredClone(sent);
    assert.ok(isIpcMessage(received, dashboard.LoadCompareRun));
    assert.strictEqual(received.params.id, 'run-1');
    for (const other of BOUNDARIES.dashboard.filter((t) => t !== dashboard.LoadCompareRun))
      assert.ok(!isIpcMessage(received, other), other.method);
    for (const junk of [undefined, null, 'loadCompareRun', 42, { type: 'loadCompareRun' }])
      assert.ok(!isIpcMessage(junk, dashboard.LoadCompareRun));
  });

  it('worker envelopes carry only the method and the parameters', () => {
    assert.deepStrictEqual(requestMessage(parse.Locate, 7, { language: 'python', text: 'x' }), {
      kind: 'request',
      id: 7,
      method: 'locate',
      params: { language: 'python', text: 'x' },
    });
    assert.deepStrictEqual(eventMessage(engine.MineProgress, { files: 1, pairs: 2, file: 'a.py' }), {
      kind: 'event',
      method: 'mineProgress',
      params: { files: 1, pairs: 2, file: 'a.py' },
    });
  });

  it('the builders mark each kind', () => {
    assert.deepStrictEqual(ipcCommand('a'), { kind: 'command', method: 'a' });
    assert.deepStrictEqual(ipcRequest('b'), { kind: 'request', method: 'b' });
    assert.deepStrictEqual(ipcNotification('c'), { kind: 'notification', method: 'c' });
  });

  it('ipc.ts depends on nothing, so the webview build and the worker can both compile it', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'protocol', 'ipc.ts'), 'utf8');
    assert.doesNotMatch(source, /^\s*import\b|\brequire\(/m);
  });
});

/**
 * Never called: the compiler checks it. Each `@ts-expect-error` fails the build when the line
 * below it stops being an error, e.g. when a descriptor's kind stops restricting where it goes.
 */
export function directionIsChecked(client: EngineWorkerClient, server: WorkerServer): void {
  // @ts-expect-error an event is not a request
  void client.request(engine.Ready, { backend: 'cpu', reason: '' });
  // @ts-expect-error a request is not an event
  client.onEvent(engine.Translate, () => undefined);
  // @ts-expect-error the worker answers requests; it does not send them
  server.emit(engine.ValidateModel, { dir: '' });
  // @ts-expect-error the parameters are checked against the descriptor
  void client.request(engine.ValidateModel, { folder: '' });
  const validated: Promise<{ readonly arch: string }> = client.request(engine.ValidateModel, { dir: '' });
  void validated;
  // @ts-expect-error so is the response
  const wrong: Promise<string> = client.request(engine.ValidateModel, { dir: '' });
  void wrong;

  const toHost: IpcCommand<{ readonly index: number }> = attention.RevealSource;
  const toApp: IpcNotification<unknown> = attention.ShowAttention;
  // @ts-expect-error a command is not a notification
  const notToApp: IpcNotification<unknown> = attention.RevealSource;
  // @ts-expect-error a notification is not a request
  const notARequest: IpcRequest<unknown, unknown> = dashboard.RunsListed;
  // @ts-expect-error a message's parameters are checked against its descriptor
  ipcMessage(dashboard.ControlRun, { action: 'restart' });
  void [toHost, toApp, notToApp, notARequest];
}
