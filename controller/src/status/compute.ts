// Status of one object from its compile report and the dataplanes' ACK state.
import { shortVersion } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { StatusT } from '#api/v1alpha1';
import type { ObjectReport } from '../compile/types.js';
import type { DataplaneInfo } from '../publish/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { makeCondition, worstStatus, type ConditionInput } from './conditions.js';
import { reasonOf } from './reasons.js';
import type { BackendHealthSummary } from './health-aggregator.js';

export interface GroupState {
  /** The version this group's dataplanes should be at; null before anything was published. */
  version: string | null;
  /** Connected dataplanes of the group. */
  dataplanes: readonly DataplaneInfo[];
  /** The latest compile of this group failed the consistency gate; an older version stays live. */
  inconsistent?: boolean;
  /**
   * Where a version stands in the order this group's versions were published (higher: later);
   * undefined for one this controller did not publish (or has forgotten).
   */
  order?(version: string): number | undefined;
}

/**
 * Per group, the version in which an object took its current form. A dataplane at that version
 * or a later one serves the object as it is now, so an edit of one object leaves the status of
 * every other object alone (it used to name the group's latest version: every status rewritten
 * per version, ~1,100 writes per edit at 5,000 routes). Absent: the group's latest version.
 */
export type Since = ReadonlyMap<string, string>;

export interface StatusContext {
  group(name: string): GroupState;
  /** Backend health, when known (Backends only). */
  backendHealth?(report: ObjectReport): BackendHealthSummary | undefined;
  /**
   * Everything besides the report's form (tracker.ts) that the status of `report`, in its form
   * of `since`, depends on, as one string (what its groups' dataplanes serve of that form, which
   * dataplanes they are, the health reports, a Backend's published servers): while it and the
   * form are the same, the status is the same and is not recomputed. Absent: always recomputed.
   */
  signature?(report: ObjectReport, since: Since): string;
  /**
   * With `signature`, for a Backend only: the rest of what its status depends on (its published
   * servers, as `backendKey`), compared apart from `signature` and from `healthGeneration`: one
   * string joined per Backend and update was most of what a status pass allocated (~1,000
   * Backends, a pass after every compile and ACK), for the young generation to collect.
   */
  backendSignature?(report: ObjectReport): string;
  /** With `signature`, for Backends only: the health reports' generation (a Backend's status reads them). */
  healthGeneration?: number;
  /** What a Backend's health summary reads of the published snapshot (its servers), as a key. */
  backendKey?(report: ObjectReport): string;
}

const describe = (ds: readonly Diagnostic[]) =>
  ds.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ');

export function acceptedCondition(report: ObjectReport): ConditionInput {
  if (report.accepted) return { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'accepted' };
  const ds = report.diagnostics.filter((d) => d.condition === 'Accepted');
  const kept = report.servingPrevious ? ' (the last accepted version keeps serving)' : '';
  return {
    type: 'Accepted',
    status: 'False',
    reason: ds[0] ? reasonOf(ds[0]) : 'Invalid',
    message: `${describe(ds) || 'invalid'}${kept}`,
  };
}

export function resolvedRefsCondition(report: ObjectReport): ConditionInput {
  if (report.resolvedRefs)
    return {
      type: 'ResolvedRefs',
      status: 'True',
      reason: 'ResolvedRefs',
      message: 'all references resolved',
    };
  const ds = report.diagnostics.filter((d) => d.condition === 'ResolvedRefs');
  return {
    type: 'ResolvedRefs',
    status: 'False',
    reason: ds[0] ? reasonOf(ds[0]) : 'RefNotFound',
    message: describe(ds) || 'a reference does not resolve',
  };
}

/**
 * `ctx` with its signature: per group, the Programmed condition of the object's form (computed
 * once per group and since-version for the whole update) and the group's dataplanes, with the
 * health reports' generation.
 */
export function signedContext(
  ctx: StatusContext,
  healthGeneration: number,
  settled?: SettledSignatures,
): StatusContext {
  // Group → since-version → signature: no key string is made per object and update.
  const memo = new Map<string, Map<string | undefined, string>>();
  const kept = new Map<string, ReturnType<SettledSignatures['forGroup']>>();
  const of = (name: string, since: string | undefined): string => {
    let bySince = memo.get(name);
    if (!bySince) memo.set(name, (bySince = new Map()));
    let sig = bySince.get(since);
    if (sig === undefined) {
      const g = ctx.group(name);
      let group = kept.get(name);
      if (group === undefined && !kept.has(name)) kept.set(name, (group = settled?.forGroup(name, g)));
      sig = since === undefined ? undefined : group?.get(since);
      if (sig === undefined) {
        const programmed = groupProgrammed(name, g, since);
        sig = JSON.stringify([name, programmed, g.dataplanes.map((d) => d.nodeId)]);
        if (since !== undefined && programmed.reason === 'Programmed') group?.keep(since, sig);
      }
      bySince.set(since, sig);
    }
    return sig;
  };
  return {
    ...ctx,
    signature: (report, since) => {
      const { groups } = report;
      return groups.length === 1
        ? of(groups[0]!, since.get(groups[0]!))
        : groups.map((g) => of(g, since.get(g))).join('|');
    },
    // Health reports are part of a Backend's status only: a server going up or down does not
    // recompute the ~1,100 other objects' statuses.
    backendSignature: (report) => ctx.backendKey?.(report) ?? '',
    healthGeneration,
  };
}

/**
 * The signatures of the (group, since-version) pairs that every dataplane of the group serves,
 * kept from one status update to the next. Every edit gives its object a since-version of its
 * own, so after a few hundred edits an update made as many signatures again (the condition and
 * its JSON) while nearly all of them say the same: every dataplane is at that version or later.
 * Such a signature stays what it is while the group has the same dataplanes, stays consistent
 * and none of them goes back behind that version (a restart at an older one); each look-up
 * checks these, and a group whose dataplanes change forgets its signatures.
 */
export class SettledSignatures {
  private readonly groups = new Map<
    string,
    { nodes: string; bySince: Map<string, { sig: string; order: number }> }
  >();

  /** Most versions kept per group (the status loop orders at most as many). */
  static readonly MAX_PER_GROUP = 4096;

  /** The group's kept signatures as they stand in this update, or undefined when none can be. */
  forGroup(
    name: string,
    g: GroupState,
  ): { get(since: string): string | undefined; keep(since: string, sig: string): void } | undefined {
    const dps = g.dataplanes;
    const order = g.order ? (v: string) => g.order!(v) : undefined;
    if (g.inconsistent || dps.length === 0 || !order || !g.version) {
      this.groups.delete(name);
      return undefined;
    }
    // The oldest version a dataplane of the group is at: a kept signature holds for a
    // since-version at or before it.
    let oldest = Infinity;
    for (const d of dps) {
      const at = d.appliedVersion === null ? undefined : order(d.appliedVersion);
      if (at === undefined) return undefined;
      if (at < oldest) oldest = at;
    }
    const nodes = dps.map((d) => d.nodeId).join('\u0000');
    let entry = this.groups.get(name);
    if (!entry || entry.nodes !== nodes) this.groups.set(name, (entry = { nodes, bySince: new Map() }));
    const { bySince } = entry;
    return {
      get: (since) => {
        const kept = bySince.get(since);
        return kept && kept.order <= oldest && order(since) === kept.order ? kept.sig : undefined;
      },
      keep: (since, sig) => {
        const at = order(since);
        if (at === undefined || at > oldest) return;
        bySince.delete(since);
        bySince.set(since, { sig, order: at });
        if (bySince.size > SettledSignatures.MAX_PER_GROUP) bySince.delete(bySince.keys().next().value!);
      },
    };
  }
}

function groupProgrammed(
  name: string,
  g: GroupState,
  since: string | undefined,
): Omit<ConditionInput, 'type'> {
  if (g.inconsistent) {
    return {
      status: 'False',
      reason: 'Inconsistent',
      message: `the new snapshot of group ${name} failed the consistency gate (${ErrorCodes.SNAPSHOT_INCONSISTENT}); the last good one stays live`,
    };
  }
  if (!g.version) return { status: 'Unknown', reason: 'Pending', message: 'no snapshot published yet' };
  const target = since ?? g.version;
  const version = shortVersion(target);
  const order = g.order?.(target);
  const serves = (d: DataplaneInfo): boolean => {
    if (d.appliedVersion === target) return true;
    const at = d.appliedVersion === null || order === undefined ? undefined : g.order?.(d.appliedVersion);
    return at !== undefined && at >= order!;
  };
  const dps = g.dataplanes;
  if (dps.length === 0)
    return {
      status: 'Unknown',
      reason: 'NoDataplanes',
      message: `no dataplane of group ${name} is connected`,
    };
  // A dataplane that refused the latest version and does not serve this object's form yet.
  const rejected = dps.filter((d) => d.lastNack?.version === g.version && !serves(d));
  if (rejected.length > 0) {
    const first = rejected[0]!;
    const others = rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : '';
    return {
      status: 'False',
      reason: 'Rejected',
      message: `dataplane ${first.nodeId}${others} rejected version ${shortVersion(g.version)}: ${first.lastNack!.error.code}: ${first.lastNack!.error.message}`,
    };
  }
  // "at version v": at v or a later one, which serves the object as it was in v.
  const at = dps.filter(serves).length;
  const counts = `${at}/${dps.length} dataplanes at version ${version}`;
  return at === dps.length
    ? { status: 'True', reason: 'Programmed', message: counts }
    : { status: 'Unknown', reason: 'Pending', message: counts };
}

export function programmedCondition(report: ObjectReport, ctx: StatusContext, since?: Since): ConditionInput {
  const type = 'Programmed' as const;
  if (!report.accepted && !report.servingPrevious) {
    return {
      type,
      status: 'False',
      reason: 'Invalid',
      message: 'not programmed: the object is not accepted',
    };
  }
  if (report.groups.length === 0) {
    const by = report.ref.kind === 'HealthPolicy' ? 'any served Backend' : 'any served Frontend';
    return {
      type,
      status: 'False',
      reason: 'NotReferenced',
      message: `not used by ${by}, so no dataplane serves it`,
    };
  }
  const parts = report.groups.map((g) => ({ group: g, ...groupProgrammed(g, ctx.group(g), since?.get(g)) }));
  const status = parts.map((p) => p.status).reduce(worstStatus);
  const worst = parts.find((p) => p.status === status)!;
  const message =
    parts.length === 1 ? worst.message : parts.map((p) => `group ${p.group}: ${p.message}`).join('; ');
  const previous = report.servingPrevious ? ' (serving the last accepted version)' : '';
  return { type, status, reason: worst.reason, message: `${message}${previous}` };
}

/**
 * The full status of one object; `previous` keeps lastTransitionTime stable, and is returned
 * itself when nothing differs (so the tracker compares ~1,100 statuses per update by identity).
 */
export function computeStatus(
  report: ObjectReport,
  ctx: StatusContext,
  previous: StatusT | undefined,
  now: Date,
  since?: Since,
): StatusT {
  const gen = report.generation;
  const conditions = [
    acceptedCondition(report),
    resolvedRefsCondition(report),
    programmedCondition(report, ctx, since),
  ].map((c) => makeCondition(c, previous?.conditions, now, gen));
  const status: StatusT = { ...(gen !== undefined ? { observedGeneration: gen } : {}), conditions };
  const health = report.ref.kind === 'Backend' ? ctx.backendHealth?.(report) : undefined;
  if (health) {
    status.healthyServers = health.healthyServers;
    status.servers = health.servers;
  }
  return previous && sameStatus(previous, status) ? previous : status;
}

function sameStatus(a: StatusT, b: StatusT): boolean {
  if (a.observedGeneration !== b.observedGeneration || a.healthyServers !== b.healthyServers) return false;
  const ac = a.conditions ?? [];
  const bc = b.conditions ?? [];
  if (ac.length !== bc.length) return false;
  for (const [i, c] of ac.entries()) {
    const d = bc[i]!;
    if (
      c.type !== d.type ||
      c.status !== d.status ||
      c.reason !== d.reason ||
      c.message !== d.message ||
      c.lastTransitionTime !== d.lastTransitionTime ||
      c.observedGeneration !== d.observedGeneration
    )
      return false;
  }
  const as = a.servers ?? [];
  const bs = b.servers ?? [];
  if (as.length !== bs.length || (a.servers === undefined) !== (b.servers === undefined)) return false;
  for (const [i, x] of as.entries()) {
    const y = bs[i]!;
    if (x.name !== y.name || x.address !== y.address || x.state !== y.state || x.dataplanes !== y.dataplanes)
      return false;
  }
  return true;
}
