// Standalone (the embedded default): controller and dataplane in one process. They still talk
// over the real control channel, on loopback with a random token, so there is one code path.
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { startController, type Controller } from '../controller.js';
import { createLogger, type Logger } from '../log.js';
import { DirSource } from '../sources/dir-source.js';
import { randomToken } from './token.js';

export interface StandaloneOptions {
  dir: string;
  group?: string;
  admin?: { host: string; port: number } | null;
  dataplaneAdmin?: { host: string; port: number } | null;
  stateDir?: string;
  logger?: Logger;
  /** Dataplane worker processes (default 1: in this process). */
  workers?: number;
}

export interface Standalone {
  controller: Controller;
  dataplane: Dataplane;
  /** Graceful stop: the dataplane drains (Dataplane.drain), then the controller closes. */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function standaloneCommand(opts: StandaloneOptions): Promise<Standalone> {
  const logger = opts.logger ?? createLogger({ role: 'standalone' });
  const token = randomToken();
  const controller = await startController({
    source: new DirSource({ dir: opts.dir, logger }),
    listen: { host: '127.0.0.1', port: 0 },
    admin: opts.admin ?? null,
    tokens: [token],
    logger,
  });
  let dataplane: Dataplane;
  try {
    dataplane = await startDataplane({
      controllerUrl: controller.channelUrl,
      token,
      group: opts.group ?? 'default',
      nodeId: 'standalone',
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      admin: opts.dataplaneAdmin ?? null,
      logger,
      ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    });
  } catch (err) {
    await controller.close();
    throw err;
  }
  logger.info(
    { dir: opts.dir, admin: controller.adminUrl, dataplaneAdmin: dataplane.adminUrl },
    'standalone started',
  );
  return {
    controller,
    dataplane,
    drain: async (timeoutMs) => {
      await dataplane.drain(timeoutMs);
      await controller.close();
    },
    close: async () => {
      await dataplane.close();
      await controller.close();
    },
  };
}
