// The Node.js the images run (26, whose net.Server.listen() has `reusePort`), as
// .ci/install-node-reuseport.sh installs it. Tests that must also pass on it run it from here; a
// missing binary fails them (they are never skipped).
import { homedir } from 'node:os';
import { join } from 'node:path';

export const REUSEPORT_NODE = join(
  process.env.BASCULE_NODE_CACHE ?? join(homedir(), '.cache/bascule-node'),
  process.env.BASCULE_REUSEPORT_NODE_VERSION ?? '26.10.0',
  'bin/node',
);
