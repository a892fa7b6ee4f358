// Status writes of a kube churn, read from what the churn kept (a tool, not a test):
//   npx tsx bench/churn.ts --source kube --settle-status --keep --edits-out EDITS.jsonl ...
//   npx tsx bench/kube-status-lag.ts --watch DIR/watch-times.log --edits EDITS.jsonl
// The churn's watch observer logs every watch event of the Backends and Frontends as
// `<epoch ms> <type> <kind> <name> <resourceVersion> <generation>`; the edits file gives each
// edit's resourceVersion. An event whose resourceVersion is an edit's is that edit's; any other
// MODIFIED event of an object is a status write (nothing else writes these objects during a
// churn). For each edit: the edit's event → the object's next status write ("status lag"), or
// "superseded" when the object's next edit came first, or "not seen" when the log ended first.
// Writes per minute count the status events between the first edit's event and the last one's.
import { readFileSync } from 'node:fs';

function option(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`--${name} FILE is required`);
  return v;
}

interface Event {
  at: number;
  type: string;
  object: string;
  rv: string;
}

const events: Event[] = [];
for (const line of readFileSync(option('watch'), 'utf8').split('\n')) {
  const [at, type, kind, name, rv] = line.split(' ');
  if (!/^\d+$/.test(at ?? '') || !rv) continue; // "open ..." lines
  events.push({ at: Number(at), type: type!, object: `${kind}/${name}`, rv });
}
const editRvs = new Set<string>();
for (const line of readFileSync(option('edits'), 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const rv = (JSON.parse(line) as { rv?: string }).rv;
  if (rv) editRvs.add(rv);
}

// The same event can be logged twice (one line per watch chunk read): keep the first of each rv.
const seen = new Set<string>();
const unique = events.filter((e) => !seen.has(e.rv) && seen.add(e.rv)).sort((a, b) => a.at - b.at);
const edits = unique.filter((e) => editRvs.has(e.rv));
const statuses = unique.filter((e) => !editRvs.has(e.rv) && e.type === 'MODIFIED');
if (edits.length === 0) throw new Error('no edit events found: wrong files?');
const from = edits[0]!.at;
const to = edits.at(-1)!.at;
const inWindow = statuses.filter((s) => s.at >= from && s.at <= to).length;
const minutes = (to - from) / 60_000;

const byObject = new Map<string, Event[]>();
for (const e of unique) {
  let list = byObject.get(e.object);
  if (!list) byObject.set(e.object, (list = []));
  list.push(e);
}
const lags: number[] = [];
/** Per edit in order: its lag, or undefined (superseded, not seen). */
const ordered: (number | undefined)[] = [];
let superseded = 0;
let notSeen = 0;
for (const edit of edits) {
  const list = byObject.get(edit.object)!;
  const next = list[list.indexOf(edit) + 1];
  if (!next) notSeen++;
  else if (editRvs.has(next.rv)) superseded++;
  else lags.push(next.at - edit.at);
  ordered.push(next && !editRvs.has(next.rv) ? next.at - edit.at : undefined);
}
/** p50 of the lags of the edits of one sixth of the churn (does status fall behind?). */
const sixth = (i: number): number => {
  const n = Math.ceil(ordered.length / 6);
  const part = ordered
    .slice(i * n, (i + 1) * n)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  return part[Math.ceil(part.length / 2) - 1] ?? NaN;
};
lags.sort((a, b) => a - b);
const pct = (p: number) => lags[Math.min(lags.length - 1, Math.ceil((p / 100) * lags.length) - 1)] ?? NaN;
const lastEvent = unique.at(-1)!.at;

console.log(`| | |
| --- | --- |
| edits (their watch events) | ${edits.length} over ${((to - from) / 1000).toFixed(1)} s |
| status writes between the first and the last edit's event | ${inWindow} (${(inWindow / minutes).toFixed(0)} a minute, ${(inWindow / edits.length).toFixed(2)} per edit) |
| status writes in the whole log (until ${((lastEvent - to) / 1000).toFixed(1)} s after the last edit) | ${statuses.length} |
| edit's event → the object's next status write p50 / p90 / p99 / max ms | ${pct(50)} / ${pct(90)} / ${pct(99)} / ${lags.at(-1)} (${lags.length} edits) |
| … p50 per sixth of the churn, in order | ${[0, 1, 2, 3, 4, 5].map(sixth).join(' / ')} |
| edits whose object was edited again before a status write | ${superseded} |
| edits with no status write seen before the log ended | ${notSeen} |`);
