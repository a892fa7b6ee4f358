// How the workers of one dataplane share a listening address.
//
//   reuseport      every worker binds its own socket with SO_REUSEPORT and the kernel spreads
//                  new connections over them (Linux; Node >= 22.12 / 23.1 have the option).
//   shared-handle  the primary binds once and hands the same socket to every worker, which all
//                  accept from it (Node's cluster with SCHED_NONE: no per-connection hop
//                  through the primary, unlike cluster's default round-robin).
//
// Either way a worker's listener keeps its socket across swaps while its bind is unchanged:
// with a shared handle the primary holds the socket as long as any worker listens on it.
export type ListenSharing = 'reuseport' | 'shared-handle';

/** Whether this Node's net.Server.listen() knows `reusePort` (and the platform honours it). */
export function reusePortSupported(
  version: string = process.versions.node,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (platform !== 'linux') return false;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** The best this process can do, unless `BASCULE_LISTEN_SHARING` asks for one explicitly. */
export function listenSharing(env: NodeJS.ProcessEnv = process.env): ListenSharing {
  const asked = env.BASCULE_LISTEN_SHARING?.trim();
  if (asked === 'shared-handle') return asked;
  if (asked === 'reuseport') {
    if (!reusePortSupported())
      throw new Error(
        `BASCULE_LISTEN_SHARING=reuseport needs Node >= 22.12 on Linux (this is ${process.version} on ${process.platform})`,
      );
    return asked;
  }
  if (asked)
    throw new Error(
      `BASCULE_LISTEN_SHARING must be reuseport or shared-handle (got ${JSON.stringify(asked)})`,
    );
  return reusePortSupported() ? 'reuseport' : 'shared-handle';
}
