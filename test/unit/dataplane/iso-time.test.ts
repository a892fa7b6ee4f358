// dataplane/src/iso-time.ts prints what Date.prototype.toISOString prints, for every date.
import { expect } from 'chai';
import { pino } from 'pino';
import { isoTime, pinoIsoTime } from '#dataplane/iso-time';
import { sampleDates } from './date-samples.js';

describe('isoTime: toISOString from the UTC fields', () => {
  it('matches toISOString at the edges of every field and of the 0–9999 range', () => {
    const cases = [
      0,
      1,
      9,
      10,
      99,
      100,
      999,
      -1,
      Date.UTC(2026, 11, 2, 19, 44, 5, 52),
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 0, 1, 0, 0, 0, 0),
      Date.UTC(0, 0, 1) - 31536000000 * 1900, // year 0 (Date.UTC maps 0–99 to 1900–1999)
      new Date('0000-01-01T00:00:00.000Z').getTime(),
      new Date('0009-09-09T09:09:09.009Z').getTime(),
      new Date('9999-12-31T23:59:59.999Z').getTime(),
      new Date('9999-12-31T23:59:59.999Z').getTime() + 1, // +010000
      new Date('0000-01-01T00:00:00.000Z').getTime() - 1, // -000001
      8.64e15,
      -8.64e15,
      // Fractions are truncated towards zero, as Date does.
      1.5,
      -1.5,
      -0.5,
      Date.UTC(2026, 11, 3, 13, 0, 0, 999) + 0.999,
      new Date('9999-12-31T23:59:59.999Z').getTime() + 0.5,
      new Date('0000-01-01T00:00:00.000Z').getTime() - 0.5,
    ];
    for (const ms of cases) expect(isoTime(ms), String(ms)).to.equal(new Date(ms).toISOString());
  });

  it('matches toISOString on 20,000 dates spread over years 0–9999 and around now', () => {
    for (const ms of sampleDates(12345, 10_000))
      expect(isoTime(ms), String(ms)).to.equal(new Date(ms).toISOString());
  });

  it('throws as toISOString does on an invalid date', () => {
    expect(() => isoTime(Number.NaN)).to.throw(RangeError);
    expect(() => isoTime(8.64e15 + 1)).to.throw(RangeError);
  });

  it('gives pino the field its stdTimeFunctions.isoTime gives', () => {
    const now = Date.now;
    try {
      for (const ms of [0, 1_764_704_645_052, 4_102_444_799_999]) {
        Date.now = () => ms;
        expect(pinoIsoTime()).to.equal(pino.stdTimeFunctions.isoTime());
      }
    } finally {
      Date.now = now;
    }
  });
});
