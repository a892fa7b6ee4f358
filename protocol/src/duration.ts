// Durations as written in resources ("1m30s", "250ms") to milliseconds.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/gy;

export function parseDuration(text: string): number {
  if (typeof text !== 'string' || text.length === 0)
    throw new RangeError(`invalid duration ${JSON.stringify(text)}`);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(text); m; m = PART.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = PART.lastIndex;
  }
  if (consumed !== text.length)
    throw new RangeError(`invalid duration ${JSON.stringify(text)}: use forms like 250ms, 5s, 1m, 1h`);
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
