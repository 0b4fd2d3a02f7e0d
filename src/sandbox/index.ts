/**
 * The Sophtron sandbox: a faithful, stateful, local Sophtron server (v1 RPC + v2) with the
 * documented test banks and their MFA flows, deterministic data, a movable clock and fault
 * injection. `startSandbox()` listens on a port (0 = any free one) and returns its addresses,
 * ready users and the in-process control handle.
 */
import { listen } from '../http/listen.js';
import type { SandboxControl } from './control.js';
import { createSandboxApp, type SandboxAppOptions } from './server.js';
import type { SandboxUser } from './state.js';

export type { SandboxUser } from './state.js';
export type {
  SandboxControl,
  TruthTransaction,
  TruthBalance,
  TruthConnection,
  AddTransactionInput,
} from './control.js';
export type { FaultSpec, FaultKind, ScriptedFault } from './faults.js';
export { FAULT_KINDS, parseFaultList } from './faults.js';
export { createSandboxApp, defaultUser } from './server.js';
export {
  TEST_BANKS,
  ORDINARY_BANKS,
  TEST_BANK_CREDENTIALS,
  SOPHTRON_BANK_ID,
  NO_MFA_BANK_ID,
} from './banks.js';
export { TRIGGERS, INVALID_CREDENTIALS } from './state.js';

export interface SandboxOptions extends SandboxAppOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:PORT/api (v1 at /api/<Controller>/<Action>, v2 at /api/v2/...). */
  baseUrl: string;
  /** e.g. http://127.0.0.1:PORT/__sandbox, or null when the control API is off. */
  controlUrl: string | null;
  users: SandboxUser[];
  control: SandboxControl;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const { app, control, users } = createSandboxApp(options);
  const { server, address } = await listen(app.fetch, { port: options.port ?? 0, host });
  server.keepAliveTimeout = 30_000;
  const { port } = address;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    baseUrl: `${origin}/api`,
    controlUrl: options.controlApi ? `${origin}/__sandbox` : null,
    users,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
