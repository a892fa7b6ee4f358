// The runtime: an immutable, fully built view of one snapshot. Swapping it is one assignment.
import type { FrontendSnap, Snapshot } from '#protocol/index';
import type { Router } from '../router/types.js';
import type { BackendRuntime } from './backend.js';
import type { FrontendState } from './state.js';
import type { FrontendTlsRuntime } from '../tls/frontend.js';

interface FrontendBase {
  readonly id: string;
  readonly snap: Readonly<FrontendSnap>;
  /** Listener identity: "address:port" ("[v6]:port"). */
  readonly bindKey: string;
  /** Carried across swaps by frontend id: rate-limit counters, per-client connection counts. */
  readonly state: FrontendState;
  /** TLS termination and/or SNI routing (tls/); undefined for a plaintext frontend. */
  readonly tls?: FrontendTlsRuntime<BackendRuntime>;
}

export interface HttpFrontendRuntime extends FrontendBase {
  readonly mode: 'http';
  readonly router: Router;
  /** A shared listener's other Frontends, in order (`snap` is its owner's). */
  readonly members?: readonly Readonly<FrontendSnap>[];
}

export interface TcpFrontendRuntime extends FrontendBase {
  readonly mode: 'tcp';
  /** Undefined when the frontend names no default backend: connections are refused. */
  readonly backend: BackendRuntime | undefined;
}

export type FrontendRuntime = HttpFrontendRuntime | TcpFrontendRuntime;

export interface Runtime {
  readonly version: string | null;
  readonly snapshot: Snapshot | null;
  /** Keyed by bind key. */
  readonly frontends: ReadonlyMap<string, FrontendRuntime>;
  readonly backends: ReadonlyMap<string, BackendRuntime>;
}

/** The single mutable reference that the swap flips; everything reads through it. */
export interface RuntimeRef {
  current: Runtime;
}

export const EMPTY_RUNTIME: Runtime = Object.freeze({
  version: null,
  snapshot: null,
  frontends: new Map(),
  backends: new Map(),
});

export const bindKey = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
