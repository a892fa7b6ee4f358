// Statistics the bench tools share, so every report means the same thing by "median".

/**
 * The median of the finite values: the middle one, or the mean of the two middle ones for an
 * even count (six rounds give the mean of the third and fourth); NaN when there are none. The
 * input is not reordered.
 */
export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}
