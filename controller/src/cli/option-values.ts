// Values of the options `bascule dataplane` and `bascule standalone` share, parsed the same way
// by the full command line (program.ts) and by the dataplane's own start (dataplane-argv.ts).
// A bad value throws an Error whose message the command line prints after the option's name.
import { parseDuration } from '#protocol/duration';

/** --workers / BASCULE_WORKERS: 1–9999. */
export function parseWorkerCount(v: string): number {
  if (!/^[1-9][0-9]{0,3}$/.test(v.trim())) throw new Error('a positive integer');
  return Number(v);
}

/** --drain-timeout / BASCULE_DRAIN_TIMEOUT: a duration ("25s", "500ms"). */
export function parseDrainTimeout(v: string): number {
  return parseDuration(v.trim());
}
