// The controller's pipeline, run on every new input from the store: the pure stages
// (stages.ts) → the consistency gate → publish. It also holds what the runs remember: the last
// accepted version of each object (accepted-versions.ts decides what to keep), the last good
// certificate of each Secret (docs/tls.md), and each object's validation and compile results,
// reused as long as the store hands over the same frozen object (and, for compile, what it
// refers to is unchanged: compile/memo.ts).
import type { EventEmitter } from 'node:events';
import { shortVersion } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { Snapshot, SnapshotBody } from '#protocol/snapshot';
import { CompileMemo } from '../compile/memo.js';
import type { CompileInput, CompileResult, ObjectReport, SourcedResource } from '../compile/types.js';
import type { ControllerEvents } from '../events.js';
import type { Logger } from '../log.js';
import { ConsistencyMemo } from '../snapshot/consistency.js';
import { formatDiagnostic, refKey, type Diagnostic } from '../validate/diagnostic.js';
import { refOf, validateResource, type ValidatedObject } from '../validate/validate.js';
import { nextAcceptedVersions, type AcceptedVersions } from './accepted-versions.js';
import type { BatchClock, BatchTiming, ThreadClock } from '../store/feed.js';
import { searchReports } from './object-reports.js';
import { runStages } from './stages.js';

/** The part of the snapshot server the pipeline publishes through. */
export interface SnapshotPublisher {
  snapshots(): Record<string, Snapshot>;
  publish(snapshots: Readonly<Record<string, Snapshot>>, opts?: { hold?: Iterable<string> }): void;
}

export interface PipelineOptions {
  publisher: SnapshotPublisher;
  events: EventEmitter<ControllerEvents>;
  logger: Logger;
  clock: () => Date;
  /** Seams for tests; the real stages and gate by default. */
  stages?: (
    input: CompileInput,
    validate: (r: SourcedResource) => ValidatedObject,
    memo: CompileMemo,
  ) => CompileResult;
  checkConsistency?: (body: SnapshotBody) => string[];
  /**
   * The clock the store feed read at the batch's start (BatchTiming.startClock), read again when
   * the sends are done: the "snapshots published" line says how long the batch's thread was on a
   * CPU and waited for one, and the process's CPU time over it. Absent: not logged.
   */
  batchClock?: () => BatchClock;
}

export class Pipeline {
  private readonly stages: NonNullable<PipelineOptions['stages']>;
  private readonly gate: (body: SnapshotBody) => string[];
  private readonly log: Logger;
  private result: CompileResult | null = null;
  private readonly inconsistent = new Set<string>();
  private accepted: AcceptedVersions = new Map();
  /** The resources of the last run, in input order. */
  private lastResources: readonly SourcedResource[] | undefined;
  /** Its reports (an unchanged object's report is the same object from run to run). */
  private lastReports: readonly ObjectReport[] | undefined;
  private lastGoodCertificates: CompileResult['certificates'] = {};
  private readonly validated = new WeakMap<SourcedResource, ValidatedObject>();
  private readonly memo = new CompileMemo();
  private loggedDiagnostics = new Set<string>();

  constructor(private readonly opts: PipelineOptions) {
    this.stages = opts.stages ?? runStages;
    const consistency = new ConsistencyMemo();
    this.gate = opts.checkConsistency ?? ((body) => consistency.check(body));
    this.log = opts.logger;
  }

  /** The result of the last run; null before the first. */
  get lastResult(): CompileResult | null {
    return this.result;
  }

  /** Groups whose last snapshot failed the gate (their previous one stays live). */
  isInconsistent(group: string): boolean {
    return this.inconsistent.has(group);
  }

  /** `timing`: how the input came to be, logged with what this run publishes. */
  run(input: CompileInput, timing?: BatchTiming): void {
    const started = performance.now();
    let result: CompileResult;
    try {
      result = this.stages(
        {
          ...input,
          now: this.opts.clock().getTime(),
          acceptedVersions: this.accepted,
          lastGoodCertificates: this.lastGoodCertificates,
        },
        this.validate,
        this.memo,
      );
    } catch (err) {
      // The stages are pure and should never throw; if they do, routing must not change.
      this.log.error({ err }, 'compile failed; the last good snapshots stay live');
      return;
    }
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    this.lastGoodCertificates = result.certificates ?? this.lastGoodCertificates;
    const good = this.checkGroups(result.snapshots);
    // Sent first; what only the next run or the log needs is done after.
    const { startClock, ...times } = timing ?? {};
    const published = this.publish(
      good,
      {
        ...(timing ? { ...times, firstEventAt: new Date(timing.firstEventAt).toISOString() } : {}),
        compileMs: durationMs,
        // Everything of this run after compile up to the send: the consistency gate, diffing.
        afterCompileMs: Math.round((performance.now() - started - durationMs) * 100) / 100,
      },
      result.diagnostics.length,
      startClock,
    );
    this.accepted = this.nextAccepted(input.resources, result.objects);
    this.logNewDiagnostics(result.diagnostics);
    this.result = result;
    this.opts.events.emit('compiled', {
      result,
      durationMs,
      published,
      inconsistent: [...this.inconsistent].sort(),
    });
  }

  /**
   * The accepted versions after this run: after edits in place (the same refKeys at the same
   * positions of the input as last run), the entries of the edited objects only.
   */
  private nextAccepted(
    resources: readonly SourcedResource[],
    reports: readonly ObjectReport[],
  ): Map<string, SourcedResource> {
    const last = this.lastResources;
    const lastReports = this.lastReports;
    this.lastResources = resources;
    this.lastReports = reports;
    if (
      last &&
      lastReports &&
      last.length === resources.length &&
      lastReports.length === reports.length &&
      this.accepted.size > 0
    ) {
      const next = this.accepted as Map<string, SourcedResource>;
      const edits: [string, SourcedResource, ObjectReport][] = [];
      let inPlace = true;
      for (let i = 0; i < resources.length && inPlace; i++) {
        const r = resources[i]!;
        if (r === last[i]) continue;
        const key = refKey(refOf(r));
        const at = key === refKey(refOf(last[i]!)) ? searchReports(reports, key) : -1;
        if (at < 0) inPlace = false;
        else edits.push([key, r, reports[at]!]);
      }
      // Another object's report changed too (a conflict it lost or won): all are looked at.
      const edited = new Set(edits.map(([key]) => key));
      for (let j = 0; j < reports.length && inPlace; j++)
        if (reports[j] !== lastReports[j] && !edited.has(refKey(reports[j]!.ref))) inPlace = false;
      if (inPlace) {
        for (const [key, r, report] of edits)
          if (report.accepted && !report.servingPrevious) next.set(key, r);
        return next;
      }
    }
    return nextAcceptedVersions(this.accepted, resources, reports);
  }

  private readonly validate = (resource: SourcedResource): ValidatedObject => {
    let v = this.validated.get(resource);
    if (!v) this.validated.set(resource, (v = validateResource(resource)));
    return v;
  };

  /** The consistency gate: the snapshots that pass it; the others' groups are marked. */
  private checkGroups(snapshots: Record<string, Snapshot>): Record<string, Snapshot> {
    const good: Record<string, Snapshot> = {};
    this.inconsistent.clear();
    for (const [group, snap] of Object.entries(snapshots)) {
      let problems: string[];
      try {
        problems = this.gate(snap.body as SnapshotBody);
      } catch (err) {
        problems = [`consistency gate threw: ${(err as Error).message}`];
      }
      if (problems.length === 0) {
        good[group] = snap;
        continue;
      }
      this.inconsistent.add(group);
      this.log.error(
        { code: ErrorCodes.SNAPSHOT_INCONSISTENT, group, version: shortVersion(snap.version), problems },
        `snapshot of group ${group} is inconsistent; the last good one stays live`,
      );
    }
    return good;
  }

  /** Publishes when a group's version changed (always on the first run); returns those groups. */
  private publish(
    good: Record<string, Snapshot>,
    stages: { compileMs: number } & Record<string, unknown>,
    diagnostics: number,
    startClock?: BatchTiming['startClock'],
  ): string[] {
    const { compileMs } = stages;
    const { publisher } = this.opts;
    const before = publisher.snapshots();
    const after: Record<string, Snapshot> = { ...good };
    for (const g of this.inconsistent) if (before[g]) after[g] = before[g];
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((g) => before[g]?.version !== after[g]?.version)
      .sort();
    if (this.result !== null && changed.length === 0) {
      this.log.debug({ compileMs }, 'rebuild changed no snapshot; nothing published');
      return changed;
    }
    const publishAt = Date.now();
    const sending = performance.now();
    publisher.publish(good, { hold: this.inconsistent });
    // The sends (each dataplane's delta diffed, serialised and written) happen inside publish(),
    // before this line is made: publishAt is when they began (bench/churn.ts splits an edit's
    // time there; the line's own time can be later by more than publishMs, when a collection or
    // the scheduler stops the thread before the line takes its time), publishMs how long.
    const publishMs = Math.round((performance.now() - sending) * 100) / 100;
    const versions = Object.fromEntries(Object.entries(after).map(([g, s]) => [g, shortVersion(s.version)]));
    // The batch (its start → the sends done) on this thread: on a CPU, waiting for one (runMs,
    // waitMs), and the process's CPU time over it, every thread (the compiler's and the
    // collector's helpers too).
    const now = startClock ? this.opts.batchClock?.() : undefined;
    const thread = now && startClock ? threadSpan(startClock.thread, now.thread) : undefined;
    const cpu = now && startClock ? cpuMs(startClock.cpu, now.cpu) : undefined;
    this.log.info(
      {
        versions,
        changed,
        ...stages,
        publishAt: new Date(publishAt).toISOString(),
        publishMs,
        ...(thread ? { threadRunMs: thread.runMs, threadWaitMs: thread.waitMs } : {}),
        // The counters themselves at the batch's start (ms since the thread began): with the same
        // counters read from outside when a file is written, what the thread did between the write
        // and the batch (run, wait; the rest it slept).
        ...(startClock?.thread
          ? { threadAtStart: [nsToMs(startClock.thread.runNs), nsToMs(startClock.thread.waitNs)] }
          : {}),
        ...(cpu !== undefined ? { processCpuMs: cpu } : {}),
        diagnostics,
      },
      'snapshots published',
    );
    return changed;
  }

  /** Log each diagnostic once, when it appears, rather than on every rebuild. */
  private logNewDiagnostics(diagnostics: readonly Diagnostic[]): void {
    const now = new Set(diagnostics.map(formatDiagnostic));
    for (const text of now) if (!this.loggedDiagnostics.has(text)) this.log.warn({ diagnostic: true }, text);
    this.loggedDiagnostics = now;
  }
}

/** What a span of a thread's time was made of, ms (one decimal). */
export function threadSpan(
  from: ThreadClock | undefined,
  to: ThreadClock | undefined,
): { runMs: number; waitMs: number } | undefined {
  if (!from || !to) return undefined;
  return { runMs: nsToMs(to.runNs - from.runNs), waitMs: nsToMs(to.waitNs - from.waitNs) };
}

/** A process's CPU time (user + system) between two readings, ms (one decimal). */
function cpuMs(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage): number {
  return nsToMs((to.user + to.system - from.user - from.system) * 1000);
}

const nsToMs = (ns: number): number => Math.round(Math.max(0, ns) / 1e5) / 10;
