// ISO 8601 timestamps, exactly what Date.prototype.toISOString prints, computed from the epoch
// milliseconds without a Date object. On Node.js 20 (V8 11.3) toISOString also looks up the local
// time zone's display name, as Date.prototype.toString does, and ICU then loads its time-zone
// name tables: a process whose first log line carries an ISO time gets +0.9 MiB of the node
// binary's pages resident (ICU data and code), which the UTC getters never touch
// (bench/history/2026-12-02-idle-rss.md). On Node.js 26 (V8 14) constructing a Date at all makes
// ICU create the default time zone (TimeZone::createDefault, its rules read from ICU's data):
// +0.65 MiB of the binary's pages, for a date whose UTC fields are plain arithmetic
// (bench/history/2026-12-03-idle-rss-node26-3.md). The logs' timestamps, the access log and the
// admin documents use it; the admin endpoint's Date header too (admin/http-date.ts).

/** A field of a date, two digits (the HTTP date's printer uses it too). */
export const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** The UTC fields of a time, as Date's getUTC* getters give them (month 1–12, weekday 0 = Sunday). */
export interface UtcFields {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
  millis: number;
  weekday: number;
}

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years printed with four digits. */
const FIRST_MS = -62_167_219_200_000;
const LAST_MS = 253_402_300_799_999;

/**
 * The UTC fields of `ms` (epoch milliseconds, truncated as Date does) for years 0–9999, else
 * undefined (other years, NaN, ±Infinity). The civil date from the day number is the proleptic
 * Gregorian calendar's (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil's
 * inverse): eras of 400 years (146,097 days) counted from 0000-03-01, so that the leap day ends a
 * year of the era.
 */
export function utcFields(ms: number): UtcFields | undefined {
  if (!(ms >= FIRST_MS && ms < LAST_MS + 1)) return undefined;
  const t = Math.trunc(ms);
  const days = Math.floor(t / DAY_MS);
  const inDay = t - days * DAY_MS;
  const z = days + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097; // 0–146096
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  ); // 0–399
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100)); // 0–365, from March 1
  const m = Math.floor((5 * dayOfYear + 2) / 153); // 0–11, from March
  const month = m < 10 ? m + 3 : m - 9;
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * m + 2) / 5) + 1,
    hours: Math.floor(inDay / 3_600_000),
    minutes: Math.floor(inDay / 60_000) % 60,
    seconds: Math.floor(inDay / 1000) % 60,
    millis: inDay % 1000,
    weekday: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
  };
}

/** `new Date(ms).toISOString()`, without a Date for years 0–9999. */
export function isoTime(ms: number): string {
  const f = utcFields(ms);
  // Years outside 0–9999 print as ±YYYYYY, and an invalid date throws: toISOString itself does both.
  if (f === undefined) return new Date(ms).toISOString();
  const { millis } = f;
  return (
    `${String(f.year).padStart(4, '0')}-${two(f.month)}-${two(f.day)}` +
    `T${two(f.hours)}:${two(f.minutes)}:${two(f.seconds)}` +
    `.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`
  );
}

/** pino's `timestamp` option: the `stdTimeFunctions.isoTime` field, made by isoTime. */
export const pinoIsoTime = (): string => `,"time":"${isoTime(Date.now())}"`;
