// The primary's side of the workers: forks N of them (cluster, so they can share listening
// sockets), restarts one that dies, and talks to each over IPC with request/reply pairs that
// time out. Worker ids are stable slots 1..N: a restarted worker keeps its slot's id.
//
// Starting a worker (first start and every restart) is handed to `initialize`, which the
// dataplane runs under the same lock as snapshot applies: a worker always starts on the live
// snapshot, never between the two phases of a swap.
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { BasculeError, ErrorCodes, type ErrorCode } from '#protocol/errors';
import { isWorkerMessage, type ObservationRun, type PrimaryMessage, type WorkerMessage } from './messages.js';
import { mallocEnvFor } from '../malloc-env.js';
import { workerExecArgv } from './worker-node-args.js';

/** Requests that carry a sequence number (the reply echoes it). */
type Request = Extract<PrimaryMessage, { seq: number }>;
type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'seq'> : never) : never;

export const WORKER_REQUEST_TIMEOUT_MS = 30_000;
const RESTART_BASE_MS = 100;
const RESTART_CAP_MS = 5_000;
/** A worker that ran this long before dying is not crash-looping: restart it at once. */
const STABLE_MS = 10_000;

export type SlotState = 'starting' | 'ready' | 'exited';

export interface WorkerInfo {
  readonly id: number;
  readonly pid: number | null;
  readonly state: SlotState;
  readonly restarts: number;
  readonly startedAt: string | null;
  readonly lastExit: { code: number | null; signal: string | null; at: string } | null;
}

interface Pending {
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class WorkerSlot {
  worker: ClusterWorker | undefined;
  state: SlotState = 'exited';
  restarts = 0;
  /** Consecutive quick deaths (backoff). */
  crashes = 0;
  startedAt = 0;
  lastExit: WorkerInfo['lastExit'] = null;
  readonly pending = new Map<number, Pending>();
  ready: ((m: Extract<WorkerMessage, { type: 'ready' }>) => void) | undefined;
  restartTimer: NodeJS.Timeout | undefined;

  constructor(readonly id: number) {}

  info(): WorkerInfo {
    return {
      id: this.id,
      pid: this.worker?.process.pid ?? null,
      state: this.state,
      restarts: this.restarts,
      startedAt: this.startedAt ? new Date(this.startedAt).toISOString() : null,
      lastExit: this.lastExit,
    };
  }
}

export interface WorkerPoolOptions {
  readonly count: number;
  readonly log: Logger;
  /** Sends `init` and waits for `ready` (see start()); run under the apply lock by the caller. */
  readonly initialize: (slot: WorkerSlot) => Promise<void>;
  readonly onObservations: (servers: Readonly<Record<string, readonly ObservationRun[]>>) => void;
  /** A worker died and will be restarted (metrics, logs). */
  readonly onExit?: (slot: WorkerSlot) => void;
}

function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), `worker-main${path.extname(here)}`);
}

let clusterConfigured = false;

/** Once per process: workers run worker-main, and accept on shared handles themselves. */
function configureCluster(): void {
  if (clusterConfigured) return;
  clusterConfigured = true;
  // SCHED_NONE: each worker accepts from the shared socket; round-robin would route every
  // connection through the primary (one more hop, and the primary's CPU on the hot path).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: workerEntry(), args: [], execArgv: workerExecArgv(process.execArgv) });
}

export class WorkerPool {
  readonly slots: WorkerSlot[];
  private seq = 0;
  private closing = false;

  constructor(private readonly opts: WorkerPoolOptions) {
    if (!cluster.isPrimary)
      throw new Error('a multi-worker dataplane must be started from a primary process');
    this.slots = Array.from({ length: opts.count }, (_, i) => new WorkerSlot(i + 1));
  }

  /** Forks every worker and resolves once all of them serve (or rejects with the first failure). */
  async start(): Promise<void> {
    configureCluster();
    await Promise.all(this.slots.map((s) => this.fork(s)));
  }

  /** Workers that took part in the last swap and serve now. */
  ready(): WorkerSlot[] {
    return this.slots.filter((s) => s.state === 'ready');
  }

  info(): WorkerInfo[] {
    return this.slots.map((s) => s.info());
  }

  /** Sends a request and resolves with the reply's data; rejects on error reply, exit or timeout. */
  request(slot: WorkerSlot, body: RequestBody, timeoutMs = WORKER_REQUEST_TIMEOUT_MS): Promise<unknown> {
    const w = slot.worker;
    if (!w || !w.isConnected()) return Promise.reject(new Error(`worker ${slot.id} is not running`));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.pending.delete(seq);
        reject(new Error(`worker ${slot.id} did not answer ${body.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      slot.pending.set(seq, { resolve, reject, timer });
      w.send({ ...body, seq } as PrimaryMessage);
    });
  }

  /** Sends to every running worker in the same tick (verdicts, overrides). */
  broadcast(m: PrimaryMessage): void {
    for (const s of this.slots) if (s.state !== 'exited' && s.worker?.isConnected()) s.worker.send(m);
  }

  /** The init/ready exchange for a freshly forked worker (called by `initialize`). */
  async handshake(slot: WorkerSlot, init: Extract<PrimaryMessage, { type: 'init' }>): Promise<void> {
    const w = slot.worker;
    if (!w || !w.isConnected()) throw new Error(`worker ${slot.id} exited before it started`);
    const ready = await new Promise<Extract<WorkerMessage, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.ready = undefined;
        reject(new Error(`worker ${slot.id} did not start within ${WORKER_REQUEST_TIMEOUT_MS} ms`));
      }, WORKER_REQUEST_TIMEOUT_MS);
      slot.ready = (m) => {
        clearTimeout(timer);
        slot.ready = undefined;
        resolve(m);
      };
      w.send(init);
    });
    if (!ready.ok) {
      const e = ready.error ?? { code: ErrorCodes.SNAPSHOT_BUILD, message: 'unknown error' };
      throw new BasculeError(e.code as ErrorCode, `worker ${slot.id} could not start: ${e.message}`);
    }
    slot.state = 'ready';
  }

  /**
   * Graceful stop: every worker drains its listeners and exits by itself; one still running
   * `timeoutMs` + 5 s later is killed.
   */
  drain(timeoutMs: number): Promise<void> {
    return this.stopEach({ type: 'drain', timeoutMs }, timeoutMs + 5_000);
  }

  close(): Promise<void> {
    return this.stopEach({ type: 'shutdown' }, 5_000);
  }

  /** Asks every worker to stop (`m`), SIGKILL for one still running after `killAfterMs`. */
  private async stopEach(m: PrimaryMessage, killAfterMs: number): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async (s) => {
        clearTimeout(s.restartTimer);
        const w = s.worker;
        if (!w || w.isDead()) return;
        const exited = new Promise<void>((r) => w.once('exit', () => r()));
        const kill = setTimeout(() => w.process.kill('SIGKILL'), killAfterMs);
        if (w.isConnected()) w.send(m);
        else w.process.kill('SIGTERM');
        await exited;
        clearTimeout(kill);
      }),
    );
  }

  private fork(slot: WorkerSlot): Promise<void> {
    const { log } = this.opts;
    slot.state = 'starting';
    slot.startedAt = Date.now();
    // The primary's environment, plus the image's malloc settings it was started without.
    const w = cluster.fork({ ...mallocEnvFor(process.env), BASCULE_WORKER_ID: String(slot.id) });
    slot.worker = w;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      w.on('message', (m: unknown) => {
        if (!isWorkerMessage(m)) return;
        switch (m.type) {
          case 'online':
            this.opts.initialize(slot).then(
              () => {
                started = true;
                slot.crashes = 0;
                log.info({ worker: slot.id, pid: w.process.pid }, 'worker serving');
                resolve();
              },
              (err: Error) => {
                log.error({ worker: slot.id, err: err.message }, 'worker failed to start');
                reject(err);
                w.process.kill('SIGKILL'); // the exit handler restarts it (with backoff)
              },
            );
            return;
          case 'ready':
            slot.ready?.(m);
            return;
          case 'reply': {
            const p = slot.pending.get(m.seq);
            if (!p) return;
            slot.pending.delete(m.seq);
            clearTimeout(p.timer);
            if (m.ok) p.resolve(m.data);
            else
              p.reject(
                new BasculeError(
                  (m.error?.code as ErrorCode | undefined) ?? ErrorCodes.SNAPSHOT_BUILD,
                  m.error?.message ?? 'failed',
                ),
              );
            return;
          }
          case 'observations':
            this.opts.onObservations(m.servers);
            return;
        }
      });
      w.on('error', (err) => log.warn({ worker: slot.id, err: err.message }, 'worker channel error'));
      w.once('exit', (code, signal) => {
        slot.state = 'exited';
        slot.lastExit = { code, signal, at: new Date().toISOString() };
        for (const p of slot.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new Error(`worker ${slot.id} exited (${signal ?? `code ${code}`})`));
        }
        slot.pending.clear();
        slot.ready?.({
          type: 'ready',
          ok: false,
          error: { code: ErrorCodes.WORKER_FAILED, message: 'exited' },
        });
        if (!started)
          reject(new Error(`worker ${slot.id} exited before it started (${signal ?? `code ${code}`})`));
        if (this.closing) return;
        slot.restarts++;
        if (Date.now() - slot.startedAt < STABLE_MS) slot.crashes++;
        else slot.crashes = 0;
        const delay =
          slot.crashes === 0 ? 0 : Math.min(RESTART_CAP_MS, RESTART_BASE_MS * 2 ** (slot.crashes - 1));
        log.error(
          { worker: slot.id, pid: w.process.pid, code, signal, restarts: slot.restarts, restartInMs: delay },
          `worker ${slot.id} exited (${signal ?? `code ${code}`}); its connections are lost, restarting it on the live snapshot`,
        );
        this.opts.onExit?.(slot);
        slot.restartTimer = setTimeout(() => {
          if (this.closing) return;
          this.fork(slot).catch(() => {}); // logged above; the next exit retries
        }, delay);
      });
    });
  }
}
