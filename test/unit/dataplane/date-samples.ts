// Dates for the differential tests of the dataplane's date printers (iso-time, http-date) against
// Date's own: seeded, spread over the years 0–9999 and over ±6 years around now.

/** `count` pairs of dates (one anywhere in 0–9999, one near now) from `seed`, always the same. */
export function sampleDates(seed: number, count: number): number[] {
  let s = seed;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const min = new Date('0000-01-01T00:00:00.000Z').getTime();
  const max = new Date('9999-12-31T23:59:59.999Z').getTime();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Math.floor(min + next() * (max - min)));
    out.push(Math.floor(Date.now() + (next() - 0.5) * 4e11));
  }
  return out;
}
