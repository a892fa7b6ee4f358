// dataplane/src/admin/http-date.ts prints what Date.prototype.toUTCString prints, for every date.
import { expect } from 'chai';
import { dateHeader, httpDate } from '#dataplane/admin/http-date';
import { sampleDates } from './date-samples.js';

describe('httpDate: toUTCString from the UTC fields', () => {
  it('matches toUTCString at the edges of every field and of the 0–9999 range', () => {
    const cases = [
      0,
      -1,
      Date.UTC(2026, 11, 2, 20, 24, 5, 52),
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      new Date('0000-01-01T00:00:00.000Z').getTime(),
      new Date('0009-09-09T09:09:09.009Z').getTime(),
      new Date('9999-12-31T23:59:59.999Z').getTime(),
      new Date('9999-12-31T23:59:59.999Z').getTime() + 1,
      new Date('0000-01-01T00:00:00.000Z').getTime() - 1,
      8.64e15,
      -8.64e15,
      Number.NaN,
    ];
    for (const ms of cases) expect(httpDate(ms), String(ms)).to.equal(new Date(ms).toUTCString());
  });

  it('matches toUTCString on 20,000 dates spread over years 0–9999 and around now', () => {
    for (const ms of sampleDates(54321, 10_000))
      expect(httpDate(ms), String(ms)).to.equal(new Date(ms).toUTCString());
  });

  it('dateHeader gives the second it is asked in, made again when the second changes', () => {
    const t = Date.UTC(2026, 11, 2, 20, 24, 5, 0);
    expect(dateHeader(t)).to.equal('Wed, 02 Dec 2026 20:24:05 GMT');
    expect(dateHeader(t + 999)).to.equal('Wed, 02 Dec 2026 20:24:05 GMT');
    expect(dateHeader(t + 1000)).to.equal('Wed, 02 Dec 2026 20:24:06 GMT');
    expect(dateHeader(t - 1)).to.equal('Wed, 02 Dec 2026 20:24:04 GMT');
  });
});
