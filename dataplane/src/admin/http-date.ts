// The admin endpoint's Date header, made from the UTC fields. Node's HTTP server writes
// `new Date().toUTCString()`, and on Node.js 20 (V8 11.3) toUTCString, like toISOString, looks up
// the local time zone's display name, so the first reply (a readiness probe) loaded ICU's
// time-zone name tables: +0.9 MiB of the node binary's pages resident in every dataplane
// (bench/history/2026-12-02-idle-rss.md). The admin server turns Node's header off and sets this
// one, the same text (RFC 9110's IMF-fixdate), made once a second as Node does.

import { two, utcFields } from '../iso-time.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `new Date(ms).toUTCString()`, without a Date for years 0–9999 (iso-time.ts: on Node.js 26 a Date makes ICU load the time zone). */
export function httpDate(ms: number): string {
  const f = utcFields(ms);
  // Other years, and an invalid date ("Invalid Date"): toUTCString itself.
  if (f === undefined) return new Date(ms).toUTCString();
  return (
    `${DAYS[f.weekday]}, ${two(f.day)} ${MONTHS[f.month - 1]} ` +
    `${String(f.year).padStart(4, '0')} ${two(f.hours)}:${two(f.minutes)}:${two(f.seconds)} GMT`
  );
}

let cachedSecond = Number.NaN;
let cached = '';

/** The Date header's value now, made at most once a second. */
export function dateHeader(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cached = httpDate(second * 1000);
  }
  return cached;
}
