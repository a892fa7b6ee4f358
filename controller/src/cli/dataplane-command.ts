// `bascule dataplane`: serve traffic from the snapshots a controller pushes. Reached through the
// full command line (program.ts) or, when every argument is one it knows, through the
// dataplane's own start (dataplane-argv.ts); both hand it the same options.
import { createLogger } from '../log.js';
import { parseAddress } from './parse-address.js';
import { runUntilSignal } from './run-until-signal.js';
import { readTokens } from './token.js';

/** The options of `bascule dataplane`, as the command line parses them (defaults filled in). */
export interface DataplaneCommandOptions {
  controller: string;
  tokenFile: string;
  group: string;
  nodeId: string;
  stateDir?: string;
  admin: string;
  caFile?: string;
  bindAddress?: string;
  workers: number;
  drainTimeout: number;
}

export async function dataplaneCommand(o: DataplaneCommandOptions): Promise<void> {
  const { boundHeapGrowth, DATAPLANE_HEAP_GROWING_PERCENT } = await import('#dataplane/heap-growth');
  boundHeapGrowth(DATAPLANE_HEAP_GROWING_PERCENT);
  const { startDataplane } = await import('#dataplane/dataplane');
  const logger = createLogger({ role: 'dataplane' });
  const dp = await startDataplane({
    workers: o.workers,
    controllerUrl: o.controller,
    token: readTokens(o.tokenFile)[0]!,
    group: o.group,
    nodeId: o.nodeId,
    admin: parseAddress(o.admin, '127.0.0.1'),
    logger,
    flushStartupCode: true,
    ...(o.stateDir ? { stateDir: o.stateDir } : {}),
    ...(o.caFile ? { tlsCa: o.caFile } : {}),
    ...(o.bindAddress ? { bindAddress: o.bindAddress } : {}),
  });
  logger.info({ admin: dp.adminUrl }, 'dataplane started');
  runUntilSignal(
    () => dp.close(),
    () => dp.drain(o.drainTimeout),
  );
}
