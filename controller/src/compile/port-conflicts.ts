// Two frontends of one dataplane group cannot bind the same port on overlapping addresses.
// The oldest wins (creation time, then namespace/name), as Gateway API resolves listener conflicts.
import type { FrontendSnap } from '#protocol/snapshot';

const WILDCARDS = new Set(['0.0.0.0', '::']);

export const bindsOverlap = (a: FrontendSnap['bind'], b: FrontendSnap['bind']): boolean =>
  a.port === b.port && (a.address === b.address || WILDCARDS.has(a.address) || WILDCARDS.has(b.address));

export interface Contender {
  snap: FrontendSnap;
  created?: string;
}

/** Returns the winners and, for each loser, the winner it lost to. */
export function resolvePortConflicts(list: Contender[]): {
  winners: Contender[];
  losers: { loser: Contender; winner: Contender }[];
} {
  const ordered = [...list].sort((a, b) => {
    // Objects without a creation time (directory source) sort after those with one.
    const ca = a.created ?? '\uffff';
    const cb = b.created ?? '\uffff';
    if (ca !== cb) return ca < cb ? -1 : 1;
    return a.snap.id < b.snap.id ? -1 : a.snap.id > b.snap.id ? 1 : 0;
  });
  const winners: Contender[] = [];
  const losers: { loser: Contender; winner: Contender }[] = [];
  for (const c of ordered) {
    const clash = winners.find((w) => bindsOverlap(w.snap.bind, c.snap.bind));
    if (clash) losers.push({ loser: c, winner: clash });
    else winners.push(c);
  }
  return { winners, losers };
}
