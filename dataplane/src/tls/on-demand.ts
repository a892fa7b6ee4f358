// TLS termination (termination.ts: the terminators, HTTP/2 towards clients, SNI routing in TCP
// mode and what they import) is loaded when the first snapshot that needs it is applied, not at
// start-up: a dataplane whose frontends are plain HTTP, or TCP without rules, never compiles it
// (docs/memory.md). serving/code-on-demand.ts loads it in the apply path, before the runtime is
// built and before any listener of it is bound, so no connection ever waits for it; the build
// (runtime/build.ts) and the listeners take it from here. Once loaded it stays loaded.
import type { FrontendSnap } from '#protocol/snapshot';

export type Termination = typeof import('./termination.js');

let loaded: Termination | undefined;

/**
 * Whether frontend `f` needs the termination code: it has TLS settings, or it is a TCP frontend
 * with rules (SNI routing). A superset of what buildFrontendTls builds for (it returns undefined
 * for a TCP frontend whose rules match no SNI): loading too much is safe, too little is not.
 */
export function needsTermination(f: Readonly<FrontendSnap>): boolean {
  return f.tls !== undefined || (f.mode === 'tcp' && f.rules.length > 0);
}

/** Records the loaded module (serving/code-on-demand.ts). */
export function terminationLoaded(code: Termination): void {
  loaded = code;
}

/** The termination code; throws when no apply has loaded it (a build that skipped the load). */
export function termination(): Termination {
  if (loaded === undefined)
    throw new Error('TLS termination code not loaded (the apply loads it before a build)');
  return loaded;
}

/** The termination code, or undefined while no snapshot has needed it (no connection is TLS then). */
export function terminationIfLoaded(): Termination | undefined {
  return loaded;
}
