// The `churn` scenario: many routes, one edit every interval, traffic on a route nobody edits.
// A tool, not a test:
//   npm run build && npx tsx bench/churn.ts [--routes 5000] [--backends 1000] [--frontends 100]
//        [--ports 2] [--duration 30] [--interval-ms 100] [--processes one|two]
//        [--dataplane-workers N] [--cpu-prof DIR] [--keep] [--edits-out FILE]
//        [--lead-ms 1000] (traffic before the first edit) [--settle-ms 2000] [--first-edits 80]
//        [--bin OTHER/bin/bascule.js]   (another build, driven and reported the same way)
// --source dir (default): the controller reads a directory with one file per Frontend and per
// Backend, and an edit is a file write; `--processes one` (default) runs `bascule standalone
// --workers 1` (controller and dataplane in one process), `two` a `bascule controller --source
// dir` and a `bascule dataplane`, so each one's memory and CPU are measured apart. --source kube:
// a real kube-apiserver (test/k8s/env), `bascule controller --source kube` and one `bascule
// dataplane`, the objects applied with kubectl, and an edit is a merge-PATCH through the API
// (timed as below). Either way: one object per Frontend and per Backend
// (Frontend f has routes/frontends rules, rule i → host h<i mod hosts>.example.com, path prefix
// /svc<i>/, Backend b<i mod backends>; the Frontends share --ports ports, f on port f mod ports:
// shared listeners, as many teams on one Gateway). wrk sends traffic to rule 0 of frontend 0
// (Backend b0, never edited).
//
// Edits alternate between a Backend and a Frontend, neither of them f0 or b0:
// - a Backend edit adds one server and leaves only that one ready (the others in maintenance), on
//   the upstream port the previous one was not on: the first response with the new port's
//   X-Upstream tag, on a route to that Backend, is the first request served by the new config;
// - a Frontend edit adds one rule (path /edit<k>/ on a host the Frontend already names, to b0):
//   the first 200 on that path is the first request served by the new config (404 before).
// So every Backend edit adds exactly one server and every Frontend edit one rule, and the
// snapshot's servers and rules counts say which edits a version contains: the n-th Backend edit is
// in a version whose servers are at least the first version's + n (Frontend edits: rules). The two
// kinds are counted apart: they come through two watches (kube) whose events can overtake each
// other. An edit is ACKed when every dataplane has ACKed a version that contains it. Versions
// (with their counts) and ACKs come from the controller admin's event stream (GET /events), timed
// by the controller as it sees each one; an ACK of a version the stream never announced is
// skipped, which can only overstate a latency.
//
// --source kube: where an edit's time counts from. The bench records for each edit the PATCH
// sent, the PATCH answered and the resourceVersion of the answer. The API server's watch event is
// the instant the issue's target counts from ("from the API server's event"): it is taken as the
// first read of the event with that resourceVersion, by a watcher apart from the controller (a
// small process that does nothing else, watching Backends and Frontends) or by the controller's
// thread, which logs when it read each event (BASCULE_KUBE_LOG_ARRIVALS=1), whichever is first.
// The controller's and dataplane's logs give the batch, the compile, the send and the ACK of the
// first version holding the edit:
// the report gives edit → ACK from the API server's event (the headline), from the controller's
// read, from the PATCH sent and from its answer, and each stage per edit (--edits-out FILE: one
// JSON line per edit). The PATCH's answer is no instant to count from: the event (and even the
// ACK) can come before it.
// After each edit, a probe polls its request every 2 ms (keep-alive, at most 8 connections)
// until the new config answers (on the first dataplane).
//
// --settle-status (with --source kube): the controller's first status pass writes the status of
// every object (1,100 at 5,000 routes), rate-limited to 20 writes a second; without this option
// the churn runs while that backlog is written (as the figures before 2026-12-03 07:00 did). With
// it, the churn starts once the API server has seen no status write for 3 s: the steady state of
// a controller that has been running, where only what the edits change is written.
//
// --apiserver-profile FILE (with --source kube): a CPU profile of kube-apiserver over the churn
// (its /debug/pprof/profile, pprof format: `go tool pprof -top FILE`).
//
// --dataplanes N (with --processes two or --source kube): N `bascule dataplane` processes, the
// i-th with --bind-address 127.0.0.<i+1> (Node.js 20 cannot share a port between processes);
// wrk and the probes go to the first. --nice N: wrk and the nginx upstreams run at that
// niceness (lower CPU priority than the bascule processes under test).
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { bindControllerRbac, kustomizeRbac, must, startCluster } from '../test/k8s/support/harness.js';
import { SseParser } from '../test/support/sse.js';
import { upstreamNginxConf } from './configs.js';
import { dataplaneImageNodeArgs, dataplaneProcessEnv } from './image-node-args.js';
import { freePort, killAll, loadAverage, run, sample, start, type Running } from './procs.js';
import { parseWrkOutput, writeWrkScript } from './wrk.js';

const HOST = '127.0.0.1';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const ROUTES = Number(option('routes', '5000'));
const BACKENDS = Number(option('backends', '1000'));
const FRONTENDS = Number(option('frontends', '100'));
const PORTS = Math.min(Number(option('ports', '2')), FRONTENDS);
const SOURCE = option('source', 'dir');
if (SOURCE !== 'dir' && SOURCE !== 'kube') throw new Error('--source dir|kube');
/** Namespace of the objects in kube mode. */
const NS = 'churn';
const DURATION_S = Number(option('duration', '30'));
const INTERVAL_MS = Number(option('interval-ms', '100'));
/** Quiet time after every dataplane serves the first version, before the traffic starts. */
const SETTLE_MS = Number(option('settle-ms', '2000'));
/** Traffic flowing before the first edit. */
const LEAD_MS = Number(option('lead-ms', '1000'));
/** The report gives the first this many edits apart from the rest (a run's first seconds). */
const FIRST_EDITS = Number(option('first-edits', '80'));
const CPU_PROF = process.argv.includes('--cpu-prof') ? resolve(option('cpu-prof', 'churn-prof')) : undefined;
const KEEP = process.argv.includes('--keep');
/** The bascule launcher to run (another build's bin/bascule.js: the same driver for both builds). */
const BIN = resolve(option('bin', 'bin/bascule.js'));
/** Writes every edit's row (times, resourceVersion, versions, stages) as JSON lines to this file. */
const EDITS_OUT = process.argv.includes('--edits-out')
  ? resolve(option('edits-out', 'churn-edits.jsonl'))
  : undefined;
const SETTLE_STATUS = process.argv.includes('--settle-status');
const APISERVER_PROFILE = process.argv.includes('--apiserver-profile')
  ? resolve(option('apiserver-profile', 'apiserver.pprof'))
  : undefined;
const PROCESSES = option('processes', 'one');
if (PROCESSES !== 'one' && PROCESSES !== 'two') throw new Error('--processes one|two');
const DP_WORKERS = option('dataplane-workers', '');
const DATAPLANES = Number(option('dataplanes', '1'));
if (!(DATAPLANES >= 1 && DATAPLANES <= 8)) throw new Error('--dataplanes 1..8');
if (DATAPLANES > 1 && SOURCE === 'dir' && PROCESSES === 'one')
  throw new Error('--dataplanes N needs --processes two (or --source kube)');
/** Niceness of the load generator (wrk) and the upstreams; 0: as the bascule processes. */
const NICE = Number(option('nice', '0'));
/** `cmd args`, at niceness NICE when it is set. */
const niced = (cmd: string, args: string[]): [string, string[]] =>
  NICE === 0 ? [cmd, args] : ['nice', ['-n', String(NICE), cmd, ...args]];
/** Extra Node.js flags for the bascule processes (e.g. `--trace-gc`), split on spaces. */
const NODE_ARGS = option('node-args', '').split(' ').filter(Boolean);
/** Node.js flags for the controller process only (after --node-args). */
const CONTROLLER_NODE_ARGS = option('controller-node-args', '').split(' ').filter(Boolean);
const log = (s: string): void => void process.stderr.write(`${new Date().toISOString()} ${s}\n`);

/**
 * When an edit was made. Directory source: the file write (sent = answered). Kubernetes source:
 * the PATCH sent and answered, and the resourceVersion and generation the API server gave the
 * object, which its watch event carries too (what joins the edit to the event's arrival).
 */
interface EditMark {
  sentAt: number;
  answeredAt: number;
  rv?: string | undefined;
  generation?: number | undefined;
  /**
   * Directory source: the write call returned (open with truncation, write, close: the file has
   * its new content). The edit counts from before the call (sentAt); a call that took long is the
   * writer stalled (the disk, or the bench's own thread waiting for a CPU).
   */
  writtenAt?: number;
  /**
   * Within that call, ms after sentAt: the open (with truncation) returned, and the write(2)
   * returned: from then the file holds the new content (the close follows).
   */
  openMs?: number;
  contentMs?: number;
  /** The controller's main thread's counters (on a CPU, waiting for one; ms) at the write. */
  controllerThread?: { run: number; wait: number } | undefined;
}

/** Servers and rules of a version: a Backend edit adds one server, a Frontend edit one rule. */
interface Counts {
  servers: number;
  rules: number;
}

interface Upstreams {
  a: number;
  b: number;
}

/** The upstream tag (nginx X-Upstream) of the one ready server of a Backend with `n` servers. */
const readyTag = (n: number): 'a' | 'b' => (n % 2 === 1 ? 'a' : 'b');

function backendServers(n: number, up: Upstreams): object[] {
  return Array.from({ length: n }, (_, s) => ({
    name: `s${s}`,
    address: HOST,
    port: readyTag(s + 1) === 'a' ? up.a : up.b,
    ...(s < n - 1 ? { state: 'maintenance' } : {}),
  }));
}

const meta = (name: string) => (SOURCE === 'kube' ? { name, namespace: NS } : { name });

/** Objects are written as JSON, which is YAML, for the directory source and kubectl alike. */
function backendDoc(b: number, n: number, up: Upstreams): string {
  return `${JSON.stringify({
    apiVersion: 'bascule.dev/v1alpha1',
    kind: 'Backend',
    metadata: meta(`b${b}`),
    spec: { mode: 'http', balance: { algorithm: 'roundrobin' }, servers: backendServers(n, up) },
  })}\n`;
}

interface Layout {
  rulesPerFrontend: number;
  hosts: number;
  ports: number[];
}

const ruleHost = (i: number, l: Layout): string => `h${i % l.hosts}.example.com`;

/** Frontend f's rules: its routes, then `edits` rules added by Frontend edits (k: edit numbers). */
function frontendRules(f: number, l: Layout, edits: readonly number[]): object[] {
  const rules: object[] = [];
  for (let r = 0; r < l.rulesPerFrontend; r++) {
    const i = f * l.rulesPerFrontend + r;
    rules.push({
      name: `r${i}`,
      match: { host: ruleHost(i, l), path: { prefix: `/svc${i}/` } },
      backend: `b${i % BACKENDS}`,
    });
  }
  for (const k of edits)
    rules.push({
      name: `e${k}`,
      match: { host: ruleHost(f * l.rulesPerFrontend, l), path: { prefix: `/edit${k}/` } },
      backend: 'b0',
    });
  return rules;
}

function frontendDoc(f: number, l: Layout, edits: readonly number[]): string {
  return `${JSON.stringify({
    apiVersion: 'bascule.dev/v1alpha1',
    kind: 'Frontend',
    metadata: meta(`f${f}`),
    spec: {
      bind: { port: l.ports[f % l.ports.length], address: HOST },
      mode: 'http',
      rules: frontendRules(f, l, edits),
    },
  })}\n`;
}

/** Polls one request every 2 ms until `ok` says the new config answered; resolves with that time. */
const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function probe(
  port: number,
  host: string,
  path: string,
  ok: (res: http.IncomingMessage) => boolean,
  deadline: number,
): Promise<number | undefined> {
  const once = () =>
    new Promise<boolean>((resolve) => {
      const req = http.get({ host: HOST, port, path, headers: { host }, agent: probeAgent }, (res) => {
        const good = ok(res);
        res.resume();
        res.on('end', () => resolve(good));
        res.on('error', () => resolve(false));
      });
      req.setTimeout(2000, () => req.destroy());
      req.on('error', () => resolve(false));
    });
  return (async () => {
    while (Date.now() < deadline) {
      if (await once()) return Date.now();
      await sleep(2);
    }
    return undefined;
  })();
}

interface VersionEvents {
  /**
   * When the version's publish began (its sends: each dataplane's delta diffed, serialised and
   * written): the "snapshots published" line's publishAt. The line is made after those sends, so
   * its own time put the send of a version sent in that publish before its "published" point
   * (small negative "published → sent" values, down to −20 ms when the thread was stopped between
   * the send and the line; the line's time minus publishMs was still late by such a stop before
   * the line took its time). A build whose line has no publishAt: the line's time.
   */
  published?: number;
  compileMs?: number;
  applied?: number;
  /** The controller's stages of the batch that built the version (store/feed.ts BatchTiming). */
  batchStart?: number;
  /** The first event of that batch, as the controller's thread took it (epoch ms). */
  firstEvent?: number;
  readMs?: number;
  buildMs?: number;
  afterCompileMs?: number;
  /** The controller's send → ACK of the version. */
  ackMs?: number;
  /**
   * Its "snapshot acked" line's time: made right after ackMs was measured, so this minus ackMs
   * is the send on the controller's one clock. The event stream's ACK time (the headline's end)
   * is stamped later, after the ACK's other listeners; the send found from it was late by that
   * much, and "publish → sent" with it (the "ACK logged → the event stream" row gives how much).
   */
  ackLogged?: number;
  /** The dataplane's frame read → swap of the version (its "snapshot applied" applyMs). */
  applyMs?: number;
  /**
   * The batch (its start → the sends done) on the controller's thread: on a CPU and waiting for
   * one (threadRunMs, threadWaitMs), and the controller process's CPU over it, every thread.
   */
  threadRunMs?: number;
  threadWaitMs?: number;
  processCpuMs?: number;
  /** The thread's counters at the batch's start (on a CPU, waiting; ms since it began). */
  threadAtStart?: [number, number];
}

/** The controller's log: when its thread read each watch event, by resourceVersion. */
type ControllerWatchEvents = Map<string, number>;

/**
 * "snapshots published", "snapshot applied" and "snapshot acked" per short version, from the JSON
 * logs; and the controller's "watch event arrivals" (resourceVersion → the time its thread read
 * the event's chunk; kube, BASCULE_KUBE_LOG_ARRIVALS=1).
 */
function logEvents(files: string[]): {
  versions: Map<string, VersionEvents>;
  watched: ControllerWatchEvents;
} {
  const out = new Map<string, VersionEvents>();
  const watched: ControllerWatchEvents = new Map();
  const at = (v: string): VersionEvents => {
    let e = out.get(v);
    if (!e) out.set(v, (e = {}));
    return e;
  };
  for (const line of files.flatMap((f) => readFileSync(f, 'utf8').split('\n'))) {
    if (!line.startsWith('{')) continue;
    const l = JSON.parse(line) as {
      msg?: string;
      time?: string;
      version?: string;
      versions?: Record<string, string>;
      compileMs?: number;
      firstEventAt?: string;
      queuedMs?: number;
      readMs?: number;
      buildMs?: number;
      afterCompileMs?: number;
      latencyMs?: number;
      applyMs?: number;
      publishAt?: string;
      threadRunMs?: number;
      threadWaitMs?: number;
      processCpuMs?: number;
      threadAtStart?: [number, number];
      events?: Array<[string, number]>;
    };
    const time = Date.parse(l.time ?? '');
    if (l.msg === 'snapshots published' && l.versions?.default) {
      const e = at(l.versions.default.slice(0, 12));
      e.published ??= l.publishAt !== undefined ? Date.parse(l.publishAt) : time;
      e.compileMs ??= l.compileMs;
      if (l.firstEventAt !== undefined && l.queuedMs !== undefined)
        e.batchStart ??= Date.parse(l.firstEventAt) + l.queuedMs;
      if (l.firstEventAt !== undefined) e.firstEvent ??= Date.parse(l.firstEventAt);
      e.readMs ??= l.readMs;
      e.buildMs ??= l.buildMs;
      e.afterCompileMs ??= l.afterCompileMs;
      e.threadRunMs ??= l.threadRunMs;
      e.threadWaitMs ??= l.threadWaitMs;
      e.processCpuMs ??= l.processCpuMs;
      e.threadAtStart ??= l.threadAtStart;
    } else if (l.msg === 'snapshot acked' && l.version) {
      const e = at(l.version.slice(0, 12));
      if (e.ackMs === undefined) {
        e.ackMs = l.latencyMs;
        e.ackLogged = time;
      }
    } else if (l.msg === 'snapshot applied' && l.version) {
      // Logged on the next turn after the swap and the ACK (dataplane/src/serving/engine.ts):
      // the line's time is not the swap's, so only its applyMs is used.
      const e = at(l.version.slice(0, 12));
      e.applied ??= time;
      e.applyMs ??= l.applyMs;
    } else if (l.msg === 'watch event arrivals' && Array.isArray(l.events)) {
      for (const [rv, receivedAt] of l.events) if (!watched.has(rv)) watched.set(rv, receivedAt);
    }
  }
  return { versions: out, watched };
}

/** The watch-times observer's lines: resourceVersion → the time it read the event. */
function watchTimes(file: string): Map<string, number> {
  const out = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [at, type, , , rv] = line.split(' ');
    if (!at || !/^\d+$/.test(at) || type === 'BOOKMARK' || !rv) continue;
    if (!out.has(rv)) out.set(rv, Number(at));
  }
  return out;
}

/** One edit, joined to the version that first held it and to the ACK of it; times epoch ms. */
interface EditRow {
  k: number;
  kind: 'backend' | 'frontend';
  sentAt: number;
  answeredAt: number;
  rv: string | undefined;
  /** The first version announced that holds the edit, and the version whose ACK made it live. */
  version: string;
  ackVersion: string;
  ackAt: number;
  /** The batch that built `version` started, its "snapshots published" line, `ackVersion` sent. */
  batchStartAt: number | undefined;
  publishedAt: number | undefined;
  ackVersionSentAt: number | undefined;
  /** kube: the observer and the controller's thread read the edit's watch event. */
  apiEventAt: number | undefined;
  ctlEventAt: number | undefined;
  servedAt: number | undefined;
  fromSend: number;
  fromApiEvent: number | undefined;
  fromCtlEvent: number | undefined;
  servedFromSend: number | undefined;
  servedFromApiEvent: number | undefined;
  sendToApiEvent: number | undefined;
  apiToCtl: number | undefined;
  ctlToBatch: number | undefined;
  /** kube: the event (first read) → batch start (for a build without arrival lines too). */
  apiToBatch: number | undefined;
  sendToBatch: number | undefined;
  batchToPublished: number | undefined;
  compileMs: number | undefined;
  /** The controller's batch (start → sends done): its thread on a CPU / waiting; the process's CPU. */
  batchRunMs: number | undefined;
  batchWaitMs: number | undefined;
  batchProcessCpuMs: number | undefined;
  /**
   * Directory source: the controller's thread between the write and the batch's start, on a CPU
   * (other work: a batch ahead, a collection, status) and waiting for one; the rest it slept
   * (the file event on its way, the holdoff).
   */
  writeCallMs: number | undefined;
  writeOpenMs: number | undefined;
  writeContentMs: number | undefined;
  /** From the write(2)'s return (the file holds the new content) → ACK. */
  fromContent: number | undefined;
  writeToBatchRunMs: number | undefined;
  writeToBatchWaitMs: number | undefined;
  publishedToSent: number | undefined;
  sentToAck: number | undefined;
  /** The first dataplane's ACK logged → the last one's ACK on the event stream (the headline's end). */
  ackToStream: number | undefined;
  dataplaneApplyMs: number | undefined;
}

/**
 * Each edit's row. A Backend edit adds one server, a Frontend edit one rule, and the edits of one
 * kind are made one after the other through one watch (the PATCH is answered before the next is
 * sent; a directory's files are read in any order, but the edits of a kind still only add), so
 * the n-th Backend edit is in a version iff its servers are at least the first version's + n (the
 * n-th Frontend edit: rules). Two kinds come through two watches, whose events can overtake each
 * other: a count over both kinds cannot say which edit a version holds.
 */
function joinEdits(o: {
  marks: readonly EditMark[];
  kinds: ReadonlyArray<'backend' | 'frontend'>;
  ordinals: readonly number[];
  baseCounts: Counts;
  countsOf: ReadonlyMap<string, Counts>;
  announced: readonly string[];
  ackLists: ReadonlyArray<ReadonlyArray<{ v: string; at: number; counts: Counts | undefined }>>;
  dataplanes: number;
  logged: { versions: Map<string, VersionEvents>; watched: ControllerWatchEvents };
  watchedAt: ReadonlyMap<string, number>;
  servedAt: ReadonlyArray<number | undefined>;
}): { rows: EditRow[]; missing: number; neverServed: number } {
  const rows: EditRow[] = [];
  let missing = 0;
  let neverServed = 0;
  const sub = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a - b;
  o.marks.forEach((m, i) => {
    const kind = o.kinds[i]!;
    const n = o.ordinals[i]!;
    const holds = (c: Counts | undefined) =>
      c !== undefined &&
      (kind === 'backend' ? c.servers >= o.baseCounts.servers + n : c.rules >= o.baseCounts.rules + n);
    const served = o.servedAt[i];
    if (served === undefined) neverServed++;
    const version = o.announced.find((v) => holds(o.countsOf.get(v)));
    // Live everywhere once the last dataplane ACKed a version that holds it.
    const perDp = o.ackLists.map((list) => list.find((a) => holds(a.counts)));
    if (version === undefined || perDp.length < o.dataplanes || perDp.some((a) => !a)) {
      missing++;
      return;
    }
    const ack = perDp.reduce((a, b) => (b!.at > a!.at ? b : a))!;
    const e = o.logged.versions.get(version.slice(0, 12));
    const ea = o.logged.versions.get(ack.v.slice(0, 12));
    const apiEventAt = m.rv === undefined ? undefined : o.watchedAt.get(m.rv);
    const ctlEventAt = m.rv === undefined ? undefined : o.logged.watched.get(m.rv);
    const sentOfAck = ea?.ackMs === undefined ? undefined : (ea.ackLogged ?? ack.at) - ea.ackMs;
    // The API server's event: the first read of it, the observer's or the controller's (the
    // observer, another process, is mostly 1-2 ms the later of the two).
    const eventAt =
      apiEventAt === undefined
        ? ctlEventAt
        : ctlEventAt === undefined
          ? apiEventAt
          : Math.min(apiEventAt, ctlEventAt);
    rows.push({
      k: i + 1,
      kind,
      sentAt: m.sentAt,
      answeredAt: m.answeredAt,
      rv: m.rv,
      version: version.slice(0, 12),
      ackVersion: ack.v.slice(0, 12),
      ackAt: ack.at,
      batchStartAt: e?.batchStart,
      publishedAt: e?.published,
      ackVersionSentAt: sentOfAck,
      apiEventAt,
      ctlEventAt,
      servedAt: served,
      fromSend: ack.at - m.sentAt,
      fromApiEvent: sub(ack.at, eventAt),
      fromCtlEvent: sub(ack.at, ctlEventAt),
      servedFromSend: sub(served, m.sentAt),
      servedFromApiEvent: sub(served, eventAt),
      sendToApiEvent: sub(apiEventAt, m.sentAt),
      apiToCtl: sub(ctlEventAt, apiEventAt),
      ctlToBatch: sub(e?.batchStart, ctlEventAt),
      apiToBatch: sub(e?.batchStart, eventAt),
      sendToBatch: sub(e?.batchStart, m.sentAt),
      batchToPublished: sub(e?.published, e?.batchStart),
      compileMs: e?.compileMs,
      batchRunMs: e?.threadRunMs,
      batchWaitMs: e?.threadWaitMs,
      batchProcessCpuMs: e?.processCpuMs,
      writeCallMs: sub(m.writtenAt, m.sentAt),
      writeOpenMs: m.openMs,
      writeContentMs: m.contentMs,
      fromContent: m.contentMs === undefined ? undefined : ack.at - (m.sentAt + m.contentMs),
      writeToBatchRunMs: sub(e?.threadAtStart?.[0], m.controllerThread?.run),
      writeToBatchWaitMs: sub(e?.threadAtStart?.[1], m.controllerThread?.wait),
      publishedToSent: sub(sentOfAck, e?.published),
      sentToAck: ea?.ackMs,
      ackToStream: sub(ack.at, ea?.ackLogged),
      dataplaneApplyMs: ea?.applyMs,
    });
  });
  return { rows, missing, neverServed };
}

/**
 * The slowest 1% of the edits (at least 5), each with its stages: where a tail edit waited (the
 * API server, the controller's thread, the holdoff or a batch ahead, compiling, a send in flight,
 * the dataplane), and the wall time, to line up with a `--node-args --trace-gc` log or a profile.
 */
function slowestEdits(perEdit: readonly EditRow[], headline: (r: EditRow) => number | undefined): string {
  const n = Math.max(5, Math.ceil(perEdit.length / 100));
  const fmt = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(0));
  const kube = perEdit.some((r) => r.rv !== undefined);
  const lines = [
    `\nslowest ${n} edits (ms)${kube ? ", by the API server's event → ACK" : ''}\n`,
    kube
      ? "| edit | sent at | kind | event → ACK | sent → ACK | sent → answered | sent → event | event → controller reads | → batch start | → publish (compile; the controller's thread waiting) | → sent | → ACK (dataplane apply) |"
      : "| edit | written at | kind | write → ACK | write → batch start (the controller's thread on a CPU; waiting) | → publish (compile; the controller's thread waiting) | → sent | → ACK (dataplane apply) |",
    kube
      ? '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
      : '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const sorted = [...perEdit].sort((a, b) => (headline(b) ?? -Infinity) - (headline(a) ?? -Infinity));
  for (const r of sorted.slice(0, n)) {
    const head = `| ${r.k} | ${new Date(r.sentAt).toISOString().slice(11, 23)} | ${r.kind}`;
    const tail = `${fmt(r.batchToPublished)} (${fmt(r.compileMs)}${
      r.batchWaitMs === undefined ? '' : `; ${fmt(r.batchWaitMs)}`
    }) | ${fmt(r.publishedToSent)}${
      r.ackVersion !== r.version ? ' (later version)' : ''
    } | ${fmt(r.sentToAck)} (${fmt(r.dataplaneApplyMs)}) |`;
    lines.push(
      kube
        ? `${head} | ${fmt(r.fromApiEvent)} | ${fmt(r.fromSend)} | ${fmt(r.answeredAt - r.sentAt)} | ${fmt(
            r.sendToApiEvent,
          )} | ${fmt(r.apiToCtl)} | ${fmt(r.ctlToBatch)} | ${tail}`
        : `${head} | ${fmt(r.fromSend)} | ${fmt(r.sendToBatch)}${
            r.writeToBatchRunMs === undefined
              ? ''
              : ` (${fmt(r.writeToBatchRunMs)}; ${fmt(r.writeToBatchWaitMs)})`
          } | ${tail}`,
    );
  }
  return lines.join('\n');
}

/**
 * The main thread's time on a CPU and waiting for one (ready to run, not running), in seconds,
 * from /proc/PID/task/PID/schedstat: on a machine shared with other work, the time an event
 * loop waited for a CPU is latency no code change removes. Undefined without schedstats.
 */
function mainThreadSched(pid: number): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return run === undefined || wait === undefined ? undefined : { run: run / 1e9, wait: wait / 1e9 };
  } catch {
    return undefined;
  }
}

/**
 * A GET /events (Server-Sent Events) client: `on` gets each event's type and parsed data as it
 * arrives. Resolves once the stream is open.
 */
function eventStream(url: string, on: (type: string, data: unknown) => void): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
      res.setEncoding('utf8');
      const sse = new SseParser(on);
      res.on('data', (chunk: string) => sse.push(chunk));
      res.on('error', () => {});
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/**
 * A real kube-apiserver with the CRDs, the controller's RBAC and the churn objects (applied from
 * the manifests directory with kubectl); edits PATCH a Backend's servers or a Frontend's rules.
 */
async function startKube(manifests: string) {
  const cluster = await startCluster();
  await bindControllerRbac(cluster.cp, await kustomizeRbac(), 'bascule-system');
  await must(cluster.cp, ['create', 'namespace', NS]);
  await must(cluster.cp, ['apply', '--server-side', '-f', manifests]);
  const { server, token, caPem } = cluster.cp;
  const agent = new https.Agent({ ca: caPem, keepAlive: true });
  /**
   * Merge-PATCH of an object's spec; resolves with when it was sent and answered, and the
   * resourceVersion and generation the API server gave the object (its watch event carries the same).
   */
  const patchSpec = (plural: 'backends' | 'frontends', name: string, spec: object): Promise<EditMark> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ spec });
      const sentAt = Date.now();
      const req = https.request(
        `${server}/apis/bascule.dev/v1alpha1/namespaces/${NS}/${plural}/${name}`,
        {
          method: 'PATCH',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/merge-patch+json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const answeredAt = Date.now();
            if (res.statusCode !== 200)
              return reject(new Error(`PATCH ${plural}/${name}: HTTP ${res.statusCode}`));
            const md = (
              JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                metadata?: { resourceVersion?: string; generation?: number };
              }
            ).metadata;
            resolve({ sentAt, answeredAt, rv: md?.resourceVersion, generation: md?.generation });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  /**
   * The API server's request counters (apiserver_request_total and the summed request durations,
   * by verb, resource and subresource) and the watch events it sent (by kind, count and bytes):
   * taken before and after the churn, their difference says what the churn asked of it.
   */
  const metrics = (): Promise<Map<string, number>> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        `${server}/metrics`,
        { agent, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`GET /metrics: HTTP ${res.statusCode}`));
            resolve(apiServerCounters(text));
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  /** The API server's CPU profile over the next `seconds`, written to `file`. */
  const profile = (seconds: number, file: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        `${server}/debug/pprof/profile?seconds=${seconds}`,
        { agent, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            if (res.statusCode !== 200)
              return reject(new Error(`GET /debug/pprof/profile: HTTP ${res.statusCode}`));
            writeFileSync(file, Buffer.concat(chunks));
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  /**
   * An observer of the API server's watch events, apart from the controller: a small Node.js
   * process that watches Backends and Frontends of the namespace (from the collections' current
   * resourceVersion, so without the initial ADDED of every object) and writes one line per event,
   * `<epoch ms of the chunk> <type> <kind> <name> <resourceVersion> <generation>`, to `logFile`.
   * It does nothing else, so the time its thread reads an event is the time the API server sent
   * it (give or take the CPU it waits for), which the controller's own reading of the event is
   * measured against. Resolves once both watches are open.
   */
  const watchTimes = async (logFile: string): Promise<Running> => {
    const caFile = join(dirname(logFile), 'watch-times-ca.pem');
    writeFileSync(caFile, caPem);
    const paths = (['backends', 'frontends'] as const).map(
      (plural) => `/apis/bascule.dev/v1alpha1/namespaces/${NS}/${plural}`,
    );
    const w = start(
      'watch-times',
      process.execPath,
      ['-e', WATCH_TIMES_SCRIPT, server, token, caFile, ...paths],
      logFile,
    );
    const deadline = Date.now() + 30_000;
    while ((readFileSync(logFile, 'utf8').match(/^open /gm) ?? []).length < paths.length) {
      if (Date.now() > deadline || w.child.exitCode !== null)
        throw new Error(
          `watch-times did not open its watches: ${readFileSync(logFile, 'utf8').slice(0, 2000)}`,
        );
      await sleep(100);
    }
    return w;
  };
  return { cluster, patchSpec, metrics, profile, watchTimes };
}

/** The watch-times process (CommonJS, run with node -e; argv: server token caFile path…). */
const WATCH_TIMES_SCRIPT = `
const https = require('node:https');
const { readFileSync } = require('node:fs');
const [server, token, caFile, ...paths] = process.argv.slice(1);
const ca = readFileSync(caFile);
const headers = { authorization: 'Bearer ' + token };
const get = (url, onRes) => https.get(url, { ca, headers }, onRes).on('error', (e) => { console.log('error ' + e.message); process.exit(1); });
for (const path of paths) {
  get(server + path + '?limit=1', (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => {
      const rv = JSON.parse(body).metadata.resourceVersion;
      get(server + path + '?watch=true&timeoutSeconds=1800&resourceVersion=' + rv, (w) => {
        if (w.statusCode !== 200) { console.log('error HTTP ' + w.statusCode); process.exit(1); }
        console.log('open ' + path + ' ' + rv);
        let buf = '';
        w.setEncoding('utf8');
        w.on('data', (d) => {
          const at = Date.now();
          buf += d;
          for (let i; (i = buf.indexOf('\\n')) >= 0; ) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (!line) continue;
            const e = JSON.parse(line);
            const m = (e.object && e.object.metadata) || {};
            console.log(at + ' ' + e.type + ' ' + e.object.kind + ' ' + m.name + ' ' + m.resourceVersion + ' ' + m.generation);
          }
        });
      });
    });
  });
}
`;

/** Sums of the API server's counters that say what was asked of it, keyed for the report. */
function apiServerCounters(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (key: string, v: number) => out.set(key, (out.get(key) ?? 0) + v);
  const label = (labels: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
  for (const line of text.split('\n')) {
    const m =
      /^(apiserver_request_total|apiserver_request_duration_seconds_sum|apiserver_watch_events_total|apiserver_watch_events_sizes_sum)\{([^}]*)\} (\S+)$/.exec(
        line,
      );
    if (!m) continue;
    const [, metric, labels, value] = m as unknown as [string, string, string, string];
    const v = Number(value);
    if (metric.startsWith('apiserver_watch_events')) {
      add(
        `watch events ${label(labels, 'kind') || label(labels, 'resource')} ${metric.endsWith('_sum') ? 'bytes' : 'count'}`,
        v,
      );
      continue;
    }
    const resource = label(labels, 'resource');
    if (!resource) continue;
    const sub = label(labels, 'subresource');
    const what = `${label(labels, 'verb')} ${resource}${sub ? `/${sub}` : ''}`;
    add(`${what} ${metric === 'apiserver_request_total' ? 'count' : 'seconds'}`, v);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bascule-churn-'));
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  const procs: Running[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const up: Upstreams = { a: await freePort(), b: await freePort() };
    writeFileSync(
      join(dir, 'upstream.conf'),
      upstreamNginxConf({ dir, ports: up, workers: 1, bodyBytes: 64 }),
    );
    procs.push(
      start(
        'upstream',
        ...niced('nginx', ['-c', join(dir, 'upstream.conf'), '-e', join(dir, 'error.log')]),
        join(dir, 'upstream.log'),
      ),
    );

    // Frontend ports below the ephemeral range, so no connection the process (or anyone) opens
    // meanwhile can take one between this probe and the dataplane's bind.
    const ports: number[] = [];
    for (let port = 20_000 + Math.floor(Math.random() * 10_000); ports.length < PORTS; port++)
      if (await portFree(port)) ports.push(port);
    const layout: Layout = {
      rulesPerFrontend: Math.ceil(ROUTES / FRONTENDS),
      hosts: Math.max(1, Math.floor(ROUTES / 50)),
      ports,
    };
    const servers = new Array<number>(BACKENDS).fill(1);
    const frontendEdits = Array.from({ length: FRONTENDS }, (): number[] => []);
    const backendFile = (b: number) => join(manifests, `backend-b${b}.yaml`);
    const frontendFile = (f: number) => join(manifests, `frontend-f${f}.yaml`);
    for (let b = 0; b < BACKENDS; b++) writeFileSync(backendFile(b), backendDoc(b, 1, up));
    for (let f = 0; f < FRONTENDS; f++) writeFileSync(frontendFile(f), frontendDoc(f, layout, []));

    const env = {
      ...process.env,
      NODE_ENV: 'production',
      BASCULE_ACCESS_LOG: 'off',
      BASCULE_LOG_LEVEL: 'info',
    };
    const prof = [...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []), ...NODE_ARGS];
    const started = Date.now();
    const admin = `${HOST}:${await freePort()}`;
    /** The bascule processes measured (standalone; or controller and dataplane). */
    const measured: Running[] = [];
    /** Other processes whose CPU is reported (the API server and etcd in kube mode). */
    const others: Array<{ name: string; pid: number }> = [];
    /** Makes an edit; resolves with when it was made (file written / PATCH sent and answered). */
    let editBackend: (b: number) => Promise<EditMark>;
    let editFrontend: (f: number) => Promise<EditMark>;
    /** kube mode: the API server's request and watch counters. */
    let apiMetrics: (() => Promise<Map<string, number>>) | undefined;
    let apiProfile: ((seconds: number, file: string) => Promise<void>) | undefined;
    /** kube mode: starts the observer of the API server's watch events. */
    let kubeWatchTimes: ((logFile: string) => Promise<Running>) | undefined;
    const dpWorkers = DP_WORKERS ? [`--workers=${DP_WORKERS}`] : [];
    /** `bascule controller` with these source arguments, and DATAPLANES `bascule dataplane`s. */
    const controllerAndDataplane = async (sourceArgs: string[], tokenFile: string) => {
      const listen = `${HOST}:${await freePort()}`;
      measured.push(
        start(
          'controller',
          process.execPath,
          [
            ...prof,
            ...CONTROLLER_NODE_ARGS,
            BIN,
            'controller',
            ...sourceArgs,
            `--token-file=${tokenFile}`,
            `--listen=${listen}`,
            `--admin=${admin}`,
          ],
          join(dir, 'controller.log'),
          // kube: the informers log each watch event's resourceVersion and arrival (what joins an
          // edit to its event), gathered into a line a second.
          SOURCE === 'kube' ? { ...env, BASCULE_KUBE_LOG_ARRIVALS: '1' } : env,
        ),
      );
      for (let i = 0; i < DATAPLANES; i++) {
        const name = i === 0 ? 'dataplane' : `dataplane${i + 1}`;
        measured.push(
          start(
            name,
            process.execPath,
            [
              ...prof,
              ...dataplaneImageNodeArgs(), // as the dataplane image runs it
              BIN,
              'dataplane',
              `--controller=ws://${listen}`,
              `--token-file=${tokenFile}`,
              '--group=default',
              `--node-id=churn-dp${i === 0 ? '' : i + 1}`,
              `--admin=${HOST}:${await freePort()}`,
              `--state-dir=${join(dir, `state${i === 0 ? '' : i + 1}`)}`,
              // Several dataplanes on one host bind the same ports on their own loopback address.
              ...(DATAPLANES > 1 ? [`--bind-address=127.0.0.${i + 1}`] : []),
              ...dpWorkers,
            ],
            join(dir, `${name}.log`),
            dataplaneProcessEnv(env), // the image's ENV too
          ),
        );
      }
    };
    if (SOURCE === 'dir') {
      if (PROCESSES === 'one')
        measured.push(
          start(
            'bascule',
            process.execPath,
            [
              ...prof,
              BIN,
              'standalone',
              '--dir',
              manifests,
              '--admin',
              admin,
              '--dataplane-admin',
              `${HOST}:${await freePort()}`,
              '--workers',
              DP_WORKERS || '1',
              '--state-dir',
              join(dir, 'state'),
            ],
            join(dir, 'bascule.log'),
            env,
          ),
        );
      else {
        const tokenFile = join(dir, 'token');
        writeFileSync(tokenFile, `churn-${Math.random().toString(36).slice(2)}\n`);
        await controllerAndDataplane(['--source=dir', `--dir=${manifests}`], tokenFile);
      }
      const controllerPid = measured[0]!.pid;
      const write = (file: string, text: string): Promise<EditMark> => {
        const thread = controllerPid === undefined ? undefined : mainThreadSched(controllerPid);
        const t = Date.now();
        const p0 = performance.now();
        const fd = openSync(file, 'w');
        const opened = performance.now();
        const bytes = Buffer.from(text);
        for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
        const written = performance.now();
        closeSync(fd);
        const closed = performance.now();
        return Promise.resolve({
          sentAt: t,
          answeredAt: t,
          writtenAt: t + (closed - p0),
          openMs: opened - p0,
          contentMs: written - p0,
          controllerThread: thread && { run: thread.run * 1000, wait: thread.wait * 1000 },
        });
      };
      editBackend = (b) => write(backendFile(b), backendDoc(b, servers[b]!, up));
      editFrontend = (f) => write(frontendFile(f), frontendDoc(f, layout, frontendEdits[f]!));
    } else {
      const kube = await startKube(manifests);
      apiMetrics = kube.metrics;
      apiProfile = kube.profile;
      kubeWatchTimes = kube.watchTimes;
      cleanups.push(() => kube.cluster.stop());
      for (const p of [kube.cluster.cp.apiserver, kube.cluster.cp.etcd])
        if (p.pid !== undefined) others.push({ name: p.name, pid: p.pid });
      await controllerAndDataplane(
        ['--source=kube', `--kubeconfig=${kube.cluster.controllerKubeconfig}`],
        kube.cluster.tokenFile,
      );
      editBackend = (b) => kube.patchSpec('backends', `b${b}`, { servers: backendServers(servers[b]!, up) });
      editFrontend = (f) =>
        kube.patchSpec('frontends', `f${f}`, { rules: frontendRules(f, layout, frontendEdits[f]!) });
    }
    procs.push(...measured);

    const target = `http://${HOST}:${ports[0]}/svc0/`;
    for (;;) {
      if (Date.now() - started > 120_000)
        throw new Error(
          `no answer on ${target} within 120 s (logs: ${measured.map((p) => p.logFile).join(' ')})`,
        );
      const r = await run(
        'curl',
        ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: h0.example.com', target],
        5000,
      );
      if (r.stdout === '200') break;
      await sleep(200);
    }
    const snapUrl = `http://${admin}/snapshot`;
    type Snap = { groups: Array<{ version: string; servers: number; rules: number }> };
    /** What says which edits a version holds: each edit adds one server or one rule. */
    const countOf = (g: Counts) => g.servers + g.rules;
    type Dp = Array<{ nodeId: string; appliedVersion: string | null }>;
    const first = (await getJson<Snap>(snapUrl)).groups[0]!;
    const base = countOf(first);
    const baseCounts: Counts = { servers: first.servers, rules: first.rules };
    // Every dataplane serves the first version before anything is measured.
    for (;;) {
      const dps = await getJson<Dp>(`http://${admin}/dataplanes`);
      if (dps.length >= DATAPLANES && dps.every((d) => d.appliedVersion === first.version)) break;
      if (Date.now() - started > 120_000)
        throw new Error(`${DATAPLANES} dataplanes not in sync within 120 s`);
      await sleep(100);
    }
    log(
      `serving after ${Date.now() - started} ms: ${ROUTES} routes, ${BACKENDS} backends, ${FRONTENDS} frontends, ${first.servers} servers, ${first.rules} rules, ${DATAPLANES} dataplane(s)`,
    );
    if (SETTLE_STATUS && apiMetrics) {
      const since = Date.now();
      const writes = (m: Map<string, number>) =>
        [...m].reduce((n, [k, v]) => (/^PATCH \S+\/status count$/.test(k) ? n + v : n), 0);
      let last = -1;
      let quietSince = Date.now();
      for (;;) {
        const n = writes(await apiMetrics());
        if (n !== last) [last, quietSince] = [n, Date.now()];
        else if (Date.now() - quietSince >= 3000) break;
        if (Date.now() - since > 300_000) throw new Error('status writes still going after 300 s');
        await sleep(500);
      }
      log(`status settled after ${Date.now() - since} ms (${last} status writes in all)`);
    }
    await sleep(SETTLE_MS); // let startup work settle before the baseline sample
    // Memory before the traffic starts; CPU and waits from the first edit on (below).
    const rssBefore = measured.map((p) => sample(p.pid));
    const apiBefore = apiMetrics ? await apiMetrics().catch(() => undefined) : undefined;

    // kube: the API server's events as an observer apart from the controller reads them.
    const watchTimesLog = join(dir, 'watch-times.log');
    if (kubeWatchTimes) procs.push(await kubeWatchTimes(watchTimesLog));

    // The controller's event stream: version → servers and rules, and per dataplane each ACK.
    const countsOf = new Map<string, Counts>([[first.version, baseCounts]]);
    /** Versions in the order the controller announced them. */
    const announced: string[] = [first.version];
    const acks = new Map<string, Map<string, number>>(); // node → version → ACK time (ms since epoch)
    const events = await eventStream(`http://${admin}/events`, (type, data) => {
      if (type === 'snapshot') {
        const e = data as { version: string; servers: number; rules: number };
        if (!countsOf.has(e.version)) {
          countsOf.set(e.version, { servers: e.servers, rules: e.rules });
          announced.push(e.version);
        }
      } else if (type === 'ack') {
        const e = data as { nodeId: string; version: string; at: string };
        let byVersion = acks.get(e.nodeId);
        if (!byVersion) acks.set(e.nodeId, (byVersion = new Map()));
        if (!byVersion.has(e.version)) byVersion.set(e.version, Date.parse(e.at));
      }
    });

    const script = writeWrkScript(dir);
    const wrkDuration = DURATION_S + 5 + Math.ceil(LEAD_MS / 1000);
    const wrk = run(
      ...niced('wrk', [
        '-t',
        '1',
        '-c',
        '10',
        '-d',
        `${wrkDuration}s`,
        '--timeout',
        '2s',
        '--latency',
        '-s',
        script,
        '-H',
        'Host: h0.example.com',
        target,
      ]),
      (wrkDuration + 30) * 1000,
    );
    const load = loadAverage();
    await sleep(LEAD_MS);

    const profiling =
      APISERVER_PROFILE && apiProfile
        ? apiProfile(DURATION_S, APISERVER_PROFILE).then(
            () => log(`kube-apiserver profile: ${APISERVER_PROFILE}`),
            (err: Error) => log(`kube-apiserver profile failed: ${err.message}`),
          )
        : undefined;
    const marks: EditMark[] = []; // edit k (1-based) → when it was made
    const kinds: Array<'backend' | 'frontend'> = [];
    const ordinals: number[] = []; // edit k → its rank among the edits of its kind (1-based)
    const served: Array<Promise<number | undefined>> = []; // edit k → first request served by it
    const before = measured.map((p) => sample(p.pid));
    const schedBefore = measured.map((p) => mainThreadSched(p.pid));
    const othersBefore = others.map((p) => sample(p.pid));
    const editStart = Date.now();
    let k = 0;
    while (Date.now() - editStart < DURATION_S * 1000) {
      const due = editStart + k * INTERVAL_MS;
      if (due > Date.now()) await sleep(due - Date.now());
      k++;
      const n = Math.ceil(k / 2); // the n-th edit of its kind
      if (k % 2 === 1) {
        const b = 1 + ((n - 1) % (BACKENDS - 1)); // never b0, the backend under traffic
        servers[b]!++;
        const m = await editBackend(b);
        // Rule b routes to Backend b (rule i → b<i mod backends>).
        const f = Math.floor(b / layout.rulesPerFrontend);
        const tag = readyTag(servers[b]!);
        served.push(
          probe(
            ports[f % PORTS]!,
            ruleHost(b, layout),
            `/svc${b}/`,
            (res) => res.statusCode === 200 && res.headers['x-upstream'] === tag,
            m.answeredAt + 15_000,
          ),
        );
        marks.push(m);
        kinds.push('backend');
        ordinals.push(n);
      } else {
        const f = 1 + ((n - 1) % (FRONTENDS - 1)); // never f0, the frontend under traffic
        frontendEdits[f]!.push(k);
        const m = await editFrontend(f);
        served.push(
          probe(
            ports[f % PORTS]!,
            ruleHost(f * layout.rulesPerFrontend, layout),
            `/edit${k}/`,
            (res) => res.statusCode === 200,
            m.answeredAt + 15_000,
          ),
        );
        marks.push(m);
        kinds.push('frontend');
        ordinals.push(n);
      }
    }
    const editsEnd = Date.now();
    const servedAt = await Promise.all(served);
    const backendEdits = kinds.filter((x) => x === 'backend').length;
    const expected: Counts = {
      servers: baseCounts.servers + backendEdits,
      rules: baseCounts.rules + marks.length - backendEdits,
    };
    const holdsAll = (c: Counts | undefined) =>
      c !== undefined && c.servers >= expected.servers && c.rules >= expected.rules;
    const lastDeadline = Date.now() + 15_000;
    const ackedAll = () =>
      acks.size >= DATAPLANES &&
      [...acks.values()].every((byVersion) => [...byVersion.keys()].some((v) => holdsAll(countsOf.get(v))));
    while (!ackedAll() && Date.now() < lastDeadline) await sleep(50);
    const after = measured.map((p) => sample(p.pid));
    const afterAt = Date.now();
    const schedAfter = measured.map((p) => mainThreadSched(p.pid));
    const othersAfter = others.map((p) => sample(p.pid));
    const apiAfter = apiMetrics ? await apiMetrics().catch(() => undefined) : undefined;
    await profiling;
    const wrkOut = await wrk;
    events.close();

    /** Per dataplane, its ACKs in time order with each version's counts. */
    const ackLists = [...acks.values()].map((byVersion) =>
      [...byVersion].map(([v, at]) => ({ v, at, counts: countsOf.get(v) })).sort((a, b) => a.at - b.at),
    );
    const ackList = ackLists[0] ?? [];
    // Where the time goes, from the process's own log lines for the version that made each edit live.
    const logged = logEvents(
      procs.filter((p) => p.name !== 'upstream' && p.name !== 'watch-times').map((p) => p.logFile),
    );
    const watchedAt = SOURCE === 'kube' ? watchTimes(watchTimesLog) : new Map<string, number>();
    const joined = joinEdits({
      marks,
      kinds,
      ordinals,
      baseCounts,
      countsOf,
      announced,
      ackLists,
      dataplanes: DATAPLANES,
      logged,
      watchedAt,
      servedAt,
    });
    const { rows: perEdit, missing, neverServed } = joined;
    // The earlier join, kept to say how much it was off: a version's servers + rules against the
    // edit's number, and the first ACK after the API's answer (an ACK can precede the answer).
    let oldMismatch = 0;
    const oldLatencies: number[] = [];
    marks.forEach((m, i) => {
      const perDp = ackLists.map((list) =>
        list.find((a) => a.at >= m.answeredAt && (a.counts ? countOf(a.counts) : -1) >= base + i + 1),
      );
      if (perDp.length < DATAPLANES || perDp.some((a) => !a)) return;
      const ack = perDp.reduce((a, b) => (b!.at > a!.at ? b : a))!;
      oldLatencies.push(ack.at - m.answeredAt);
      const row = perEdit.find((r) => r.k === i + 1);
      if (row && row.ackVersion !== ack.v.slice(0, 12)) oldMismatch++;
    });
    if (EDITS_OUT) {
      writeFileSync(EDITS_OUT, perEdit.map((r) => JSON.stringify(r)).join('\n') + '\n');
      log(`per-edit rows: ${EDITS_OUT}`);
    }
    const col = (get: (r: EditRow) => number | undefined, rows: readonly EditRow[] = perEdit): number[] =>
      rows.flatMap((r) => {
        const x = get(r);
        return x === undefined ? [] : [x];
      });
    const ofKind = (kind: 'backend' | 'frontend') => perEdit.filter((r) => r.kind === kind);
    /** The headline: from the API server's event (kube), from the write (dir). */
    const headline = (r: EditRow) => (SOURCE === 'kube' ? r.fromApiEvent : r.fromSend);
    const latencies = col(headline);
    const ackByKind = {
      backend: col(headline, ofKind('backend')),
      frontend: col(headline, ofKind('frontend')),
    };
    const servedMs = {
      all: col((r) => r.servedFromSend),
      backend: col((r) => r.servedFromSend, ofKind('backend')),
      frontend: col((r) => r.servedFromSend, ofKind('frontend')),
    };
    // One decimal: stages made of a log line's time minus a duration are not whole ms.
    const r1 = (x: number) => Math.round(x * 10) / 10;
    const spread = (xs: number[]) =>
      xs.length === 0 ? 'n/a' : `${r1(pct(xs, 50))} / ${r1(pct(xs, 99))} / ${r1(Math.max(...xs))}`;
    const compileMs = [...logged.versions.values()].flatMap((e) =>
      e.compileMs === undefined ? [] : [e.compileMs],
    );
    /** p50 / p99 of one controller stage over the versions published. */
    const perVersion = (get: (e: VersionEvents) => number | undefined): string => {
      const xs = [...logged.versions.values()].flatMap((e) => {
        const x = get(e);
        return x === undefined ? [] : [x];
      });
      return xs.length === 0 ? 'n/a' : `${pct(xs, 50).toFixed(0)} / ${pct(xs, 99).toFixed(0)}`;
    };
    const w = wrkOut.code === 0 ? parseWrkOutput(wrkOut.stdout) : undefined;
    // Up to the samples' end (not wrk's: it runs a few seconds past the edits).
    const span = (afterAt - editStart) / 1000;
    const perProcess = measured.flatMap((p, i): string[][] => {
      const [b, a] = [before[i]!, after[i]!];
      const r0 = rssBefore[i]!;
      const cpu = a.cpuSeconds - b.cpuSeconds;
      return [
        [
          `${p.name}: RSS MiB before → after (peak)`,
          `${(r0.rssKiB / 1024).toFixed(0)} → ${(a.rssKiB / 1024).toFixed(0)} (${(a.hwmKiB / 1024).toFixed(0)})`,
        ],
        [
          `${p.name}: CPU during churn`,
          `${cpu.toFixed(1)} s over ${span.toFixed(1)} s (${((100 * cpu) / span).toFixed(0)}% of a core)`,
        ],
        [
          `${p.name}: main thread on a CPU / waiting for one (schedstat)`,
          ((sb, sa) =>
            sb && sa
              ? `${(sa.run - sb.run).toFixed(1)} s / **${(sa.wait - sb.wait).toFixed(1)} s** (${(
                  (100 * (sa.wait - sb.wait)) /
                  span
                ).toFixed(0)}% of the churn spent ready but not running)`
              : 'n/a')(schedBefore[i], schedAfter[i]),
        ],
      ];
    });
    const rows = [
      [
        'routes / backends / frontends / ports',
        `${ROUTES.toLocaleString('en-US')} / ${BACKENDS} / ${FRONTENDS} / ${PORTS}`,
      ],
      [
        'edits',
        `${marks.length} (one every ${INTERVAL_MS} ms for ${((editsEnd - editStart) / 1000).toFixed(1)} s)`,
      ],
      [
        'versions ACKed (first dataplane)',
        `${ackList.length} (${ackList.filter((a) => a.counts === undefined).length} not announced on the event stream, skipped)`,
      ],
      [
        `**${SOURCE === 'kube' ? "API server's watch event (its first read: by a watcher apart from the controller, or by the controller)" : 'edit (file write)'} → ACK${DATAPLANES > 1 ? ` by all ${DATAPLANES} dataplanes` : ''}** p50 / p99 / max ms`,
        spread(latencies),
      ],
      ['… Backend edits / Frontend edits', `${spread(ackByKind.backend)} / ${spread(ackByKind.frontend)}`],
      ...(SOURCE === 'dir'
        ? [
            [
              "… from the write(2) returning (the file holds the new content; the writer's open and write left out) → ACK",
              spread(col((r) => r.fromContent)),
            ],
          ]
        : []),
      ...(SOURCE === 'kube'
        ? [
            [
              "controller's thread reads the watch event → ACK p50 / p99 / max ms",
              spread(col((r) => r.fromCtlEvent)),
            ],
            ['PATCH sent → ACK p50 / p99 / max ms', spread(col((r) => r.fromSend))],
            [
              'PATCH answered → ACK p50 / p99 / max ms (negative: the ACK came before the answer)',
              spread(col((r) => r.ackAt - r.answeredAt)),
            ],
            [
              'the join before 2026-12-03 16:00 (servers + rules against the edit number, first ACK after the answer): answered → ACK',
              `${spread(oldLatencies)}; another version than the right one for ${oldMismatch} of ${perEdit.length} edits`,
            ],
            [
              "edits whose watch event was not seen (observer / controller's debug log)",
              `${perEdit.filter((r) => r.apiEventAt === undefined).length} / ${perEdit.filter((r) => r.ctlEventAt === undefined).length}`,
            ],
          ]
        : []),
      [
        `… edits 1–${FIRST_EDITS} (the first ${((FIRST_EDITS * INTERVAL_MS) / 1000).toFixed(0)} s) / edits ${FIRST_EDITS + 1}– (over 30 ms: count)`,
        ((a: EditRow[], b: EditRow[]) =>
          `${spread(col(headline, a))} (${col(headline, a).filter((x) => x > 30).length}) / ${spread(col(headline, b))} (${col(headline, b).filter((x) => x > 30).length})`)(
          perEdit.filter((r) => r.k <= FIRST_EDITS),
          perEdit.filter((r) => r.k > FIRST_EDITS),
        ),
      ],
      ['edits never ACKed within 15 s', String(missing)],
      [
        `**edit ${SOURCE === 'kube' ? '(PATCH sent)' : '(file write)'} → first request served by the new config** p50 / p99 / max ms`,
        spread(servedMs.all),
      ],
      ['… Backend edits / Frontend edits', `${spread(servedMs.backend)} / ${spread(servedMs.frontend)}`],
      ...(SOURCE === 'kube'
        ? [
            [
              "API server's watch event → first request served p50 / p99 / max ms",
              spread(col((r) => r.servedFromApiEvent)),
            ],
          ]
        : []),
      ['edits never served within 15 s', String(neverServed)],
      [
        'source',
        `${SOURCE === 'dir' ? 'directory (edit = file write)' : 'kube (edit = PATCH through the API)'}; ${
          SOURCE === 'dir' && PROCESSES === 'one'
            ? `bascule standalone --workers ${DP_WORKERS || '1'}`
            : `controller + ${DATAPLANES} dataplane(s) (${DP_WORKERS ? `--workers ${DP_WORKERS}` : 'default workers'})`
        }${NICE ? `; wrk and the upstreams at nice ${NICE}` : ''}`,
      ],
      ['stages per edit, p50 / p99 / max ms (each edit joined to the first version holding it):', ''],
      ...(SOURCE === 'kube'
        ? [
            ['… PATCH sent → answered', spread(col((r) => r.answeredAt - r.sentAt))],
            ["… PATCH sent → the API server's watch event (observer)", spread(col((r) => r.sendToApiEvent))],
            ["… API server's watch event → the controller's thread reads it", spread(col((r) => r.apiToCtl))],
            [
              '… the controller reads it → its batch starts (holdoff, a batch or other work ahead)',
              spread(col((r) => r.ctlToBatch)),
            ],
            [
              "… (both together) the API server's watch event → its batch starts",
              spread(col((r) => r.apiToBatch)),
            ],
          ]
        : [
            [
              '… write → its batch starts (file event, holdoff, batches queued ahead)',
              spread(col((r) => r.sendToBatch)),
            ],
            [
              '… … the write call itself (open, truncate, write, close); of which the open, and up to the write(2) returning',
              `${spread(col((r) => r.writeCallMs))}; ${spread(col((r) => r.writeOpenMs))}, ${spread(col((r) => r.writeContentMs))}`,
            ],
            [
              "… … the controller's thread meanwhile: on a CPU (other work) / waiting for one",
              `${spread(col((r) => r.writeToBatchRunMs))} / ${spread(col((r) => r.writeToBatchWaitMs))}`,
            ],
          ]),
      ['… batch start → publish (read, build, compile, gate)', spread(col((r) => r.batchToPublished))],
      [
        "… … the controller's thread over the batch (start → sends done): on a CPU / waiting for one; the process's CPU (all threads)",
        `${spread(col((r) => r.batchRunMs))} / ${spread(col((r) => r.batchWaitMs))}; ${spread(col((r) => r.batchProcessCpuMs))}`,
      ],
      [
        '… publish → the version that holds it sent (a send in flight ahead)',
        spread(col((r) => r.publishedToSent)),
      ],
      [
        '… sent → ACK (controller log: the delta diffed, serialised, written; the dataplane reads, applies, answers)',
        spread(col((r) => r.sentToAck)),
      ],
      ['… … the dataplane: frame read → applied (applyMs)', spread(col((r) => r.dataplaneApplyMs))],
      [
        "… ACK logged → the event stream stamps it (the ACK's other listeners; the last dataplane's)",
        spread(col((r) => r.ackToStream)),
      ],
      [
        '… edits ACKed in a later version than the first holding them',
        String(perEdit.filter((r) => r.ackVersion !== r.version).length),
      ],
      ['… per version: read changed files / watches p50 / p99', perVersion((e) => e.readMs)],
      ['… per version: build the input from the store p50 / p99', perVersion((e) => e.buildMs)],
      [
        '… per version: compile (compileMs) p50 / p99',
        `${pct(compileMs, 50).toFixed(0)} / ${pct(compileMs, 99).toFixed(0)}`,
      ],
      [
        '… per version: after compile (consistency gate, diff, send) p50 / p99',
        perVersion((e) => e.afterCompileMs),
      ],
      ['… per version: send → ACK (controller log) p50 / p99', perVersion((e) => e.ackMs)],
      ...perProcess,
      ...others.map((p, i) => {
        const cpu = othersAfter[i]!.cpuSeconds - othersBefore[i]!.cpuSeconds;
        return [
          `${p.name}: CPU during churn`,
          `${cpu.toFixed(1)} s (${((100 * cpu) / span).toFixed(0)}% of a core)`,
        ];
      }),
      [
        'traffic (wrk -t1 -c10, unedited route)',
        w
          ? `${w.requests} requests, ${w.requestsPerSecond.toFixed(0)} req/s, p99 ${w.latencyMs.p99.toFixed(1)} ms, max ${w.latencyMs.max.toFixed(1)} ms`
          : `wrk failed: ${wrkOut.stderr}`,
      ],
      [
        'traffic errors',
        w
          ? `${w.errors.connect + w.errors.read + w.errors.write + w.errors.status + w.errors.timeout} (connect ${w.errors.connect}, read ${w.errors.read}, write ${w.errors.write}, non-2xx/3xx ${w.errors.status}, timeout > 2 s ${w.errors.timeout})`
          : 'n/a',
      ],
      ['load average at start', load.map((x) => x.toFixed(2)).join(' ')],
    ];
    console.log(`churn, ${new Date().toISOString()}, Node.js ${process.version}\n`);
    console.log('| | |\n| --- | --- |');
    for (const [a, b] of rows) console.log(`| ${a} | ${b} |`);
    console.log(slowestEdits(perEdit, headline));
    if (apiBefore && apiAfter) console.log(apiServerTable(apiBefore, apiAfter, span));
  } finally {
    for (const p of procs.reverse()) await p.stop();
    for (const c of cleanups.reverse()) await c().catch((err: Error) => log(`cleanup: ${err.message}`));
    if (KEEP) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** What the churn asked of the API server: requests by verb and resource, watch events sent. */
function apiServerTable(before: Map<string, number>, after: Map<string, number>, span: number): string {
  const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
  const requests = [...after.keys()]
    .filter((k) => k.endsWith(' count') && !k.startsWith('watch events') && delta(k) >= 1)
    .map((k) => k.slice(0, -' count'.length));
  const lines = [
    `\nkube-apiserver during the churn (${span.toFixed(1)} s), from its /metrics: requests (a watch counts once, when it ends) and watch events sent\n`,
    '| request | count | per second | summed duration s |',
    '| --- | ---: | ---: | ---: |',
    ...requests
      .sort((a, b) => delta(`${b} count`) - delta(`${a} count`))
      .map((r) => {
        const n = delta(`${r} count`);
        return `| ${r} | ${n} | ${(n / span).toFixed(1)} | ${delta(`${r} seconds`).toFixed(2)} |`;
      }),
  ];
  for (const k of [...after.keys()].filter((k) => k.startsWith('watch events') && k.endsWith(' count'))) {
    const n = delta(k);
    const kind = k.slice('watch events '.length, -' count'.length);
    // Those the controller watches (the API server's own controllers watch the rest).
    if (n < 1 || !/^(backends|frontends|healthpolicies|services|endpointslices|secrets|leases)$/.test(kind))
      continue;
    const bytes = delta(`watch events ${kind} bytes`);
    lines.push(
      `| watch events sent: ${kind} | ${n} | ${(n / span).toFixed(1)} | ${(bytes / 1024).toFixed(0)} KiB (${(bytes / n).toFixed(0)} B each) |`,
    );
  }
  return lines.join('\n');
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
