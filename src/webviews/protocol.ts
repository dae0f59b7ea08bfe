/**
 * The message every webview shares. Each panel declares its own messages in its `protocol.ts`
 * with the descriptors of src/protocol/ipc.ts: the app is the client (it sends commands), the host
 * is the server (it sends notifications). The host and the app import that same file, so a
 * message's name, direction and payload type cannot drift apart.
 */
import { ipcCommand } from '../protocol/ipc';

/** Every webview posts this first; the host sends nothing before it (the ready handshake). */
export const WebviewReady = ipcCommand<{ readonly version: number }, 'ready'>('ready');
