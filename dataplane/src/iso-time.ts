// ISO 8601 timestamps, exactly what Date.prototype.toISOString prints, made from the date's UTC
// fields alone. On Node.js 20 (V8 11.3) toISOString also looks up the local time zone's display
// name, as Date.prototype.toString does, and ICU then loads its time-zone name tables: a process
// whose first log line carries an ISO time gets +0.9 MiB of the node binary's pages resident
// (ICU data and code), which the UTC getters never touch (bench/history/2026-12-02-idle-rss.md).
// The logs' timestamps, the access log and the admin documents use it.

/** A field of a date, two digits (the HTTP date's printer uses it too). */
export const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `new Date(ms).toISOString()`, without the time-zone lookup for years 0–9999. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  // Years outside 0–9999 print as ±YYYYYY, and an invalid date throws: toISOString itself does both.
  if (!(year >= 0 && year <= 9999)) return d.toISOString();
  const millis = d.getUTCMilliseconds();
  return (
    `${String(year).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}` +
    `T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}` +
    `.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`
  );
}

/** pino's `timestamp` option: the `stdTimeFunctions.isoTime` field, made by isoTime. */
export const pinoIsoTime = (): string => `,"time":"${isoTime(Date.now())}"`;
