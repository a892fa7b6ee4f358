// Code a dataplane loads with the first snapshot that needs it instead of at start-up, so that an
// idle dataplane without such frontends never compiles it (docs/memory.md):
//   - TLS termination and SNI routing (tls/termination.ts, held by tls/on-demand.ts), and HTTP/2
//     requests as the engine's (http/engine/h2-client.ts), which only a TLS frontend serves;
//   - the TCP proxy (tcp/proxy.ts), for a frontend in tcp mode.
// The one place that decides: loadCodeFor() runs in the apply path (Engine.prepare;
// workers/two-phase-apply.ts before the primary's own build of a multi-worker dataplane) before
// the runtime is built and before any listener of it is bound, so no connection or request ever
// waits for a module. A load that fails rejects the apply (SNAPSHOT_BUILD) and the live snapshot
// keeps serving. Loaded code stays loaded. In the bundles each is a file of its own
// (bin/bundle.mjs).
import { fileURLToPath } from 'node:url';
import { BasculeError, ErrorCodes } from '#protocol/errors';
import type { Snapshot } from '#protocol/snapshot';
import { needsTermination, terminationIfLoaded, terminationLoaded } from '../tls/on-demand.js';

type TcpProxy = typeof import('../tcp/proxy.js');
type H2Client = typeof import('../http/engine/h2-client.js');

let tcp: TcpProxy | undefined;
let h2: H2Client | undefined;

/**
 * `load()` (an import() of `specifier`, written out so that the bundler sees it), or, where this
 * module was itself loaded by Node's CommonJS loader, require(specifier). That is the case only
 * when the TypeScript sources run under a test runner that requires them (mocha with tsx): an
 * import() there would evaluate a second copy of every module the loaded one imports, whose
 * classes and state (RawSocket, the passive-health observer) would not be the running ones.
 */
function loadModule<T>(specifier: string, load: () => Promise<T>): Promise<T> {
  const nodeRequire = process.getBuiltinModule('node:module').createRequire(import.meta.url);
  if (!(fileURLToPath(import.meta.url) in nodeRequire.cache)) return load();
  return Promise.resolve().then(() => nodeRequire(specifier) as T);
}

/** Loads what `snapshot` needs and is not loaded yet. Throws SNAPSHOT_BUILD when a load fails. */
export async function loadCodeFor(snapshot: Snapshot): Promise<void> {
  const frontends = snapshot.body.frontends;
  const loads: Promise<unknown>[] = [];
  if (frontends.some(needsTermination)) {
    if (terminationIfLoaded() === undefined)
      loads.push(
        loadModule('../tls/termination.js', () => import('../tls/termination.js')).then(terminationLoaded),
      );
    if (h2 === undefined)
      loads.push(
        loadModule('../http/engine/h2-client.js', () => import('../http/engine/h2-client.js')).then(
          (m) => (h2 = m),
        ),
      );
  }
  if (tcp === undefined && frontends.some((f) => f.mode === 'tcp'))
    loads.push(loadModule('../tcp/proxy.js', () => import('../tcp/proxy.js')).then((m) => (tcp = m)));
  if (loads.length === 0) return;
  try {
    await Promise.all(loads);
  } catch (err) {
    throw new BasculeError(
      ErrorCodes.SNAPSHOT_BUILD,
      `code this snapshot needs could not be loaded: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The TCP proxy (loaded: the runtime has a tcp frontend only after loadCodeFor). */
export function tcpProxy(): TcpProxy['proxyTcp'] {
  if (tcp === undefined) throw new Error('TCP proxy code not loaded (the apply loads it before a build)');
  return tcp.proxyTcp;
}

/** HTTP/2 requests as engine-neutral ones (loaded with TLS termination). */
export function h2Client(): H2Client['h2Client'] {
  if (h2 === undefined) throw new Error('HTTP/2 client code not loaded (the apply loads it with TLS)');
  return h2.h2Client;
}
