// The pure parts of health checking: HAProxy's counter, intervals, slow start, expectations and
// the classification of passive outcomes.
import { expect } from 'chai';
import { compileExpect, ExpectationError } from '#dataplane/health/expect';
import {
  afterFailure,
  afterSuccess,
  initialHealth,
  intervalFor,
  isUp,
  maxHealth,
  phaseOf,
  rescaleHealth,
} from '#dataplane/health/model';
import { slowStartWeight } from '#dataplane/balance/slow-start';
import { classify } from '#dataplane/runtime/passive-health';

const T = { rise: 3, fall: 2 };
const run = (h: number, outcomes: string, t = T): number[] => {
  const out: number[] = [];
  for (const c of outcomes) out.push((h = c === '+' ? afterSuccess(h, t) : afterFailure(h, t)));
  return out;
};

describe('health model', () => {
  describe('rise/fall counter (HAProxy)', () => {
    it('a fully up server goes down after exactly `fall` consecutive failures', () => {
      const top = maxHealth(T); // 4
      expect(top).to.equal(4);
      const hs = run(top, '--');
      expect(hs).to.deep.equal([3, 0]);
      expect(isUp(hs[0]!, T)).to.equal(true);
      expect(isUp(hs[1]!, T)).to.equal(false);
    });

    it('a success in between refills the counter, so failures must be consecutive', () => {
      const hs = run(maxHealth(T), '-+-+-');
      expect(hs.every((h) => isUp(h, T))).to.equal(true);
    });

    it('a fully down server comes back after exactly `rise` consecutive successes', () => {
      const hs = run(0, '+++');
      expect(hs.map((h) => isUp(h, T))).to.deep.equal([false, false, true]);
      expect(hs[2]).to.equal(maxHealth(T)); // fully up at once
    });

    it('a failure while rising empties the counter', () => {
      expect(run(0, '++-+++').map((h) => isUp(h, T))).to.deep.equal([
        false,
        false,
        false,
        false,
        false,
        true,
      ]);
    });

    it('fall 1 and rise 1 flip on every check', () => {
      const t = { rise: 1, fall: 1 };
      expect(run(1, '-+-+', t).map((h) => isUp(h, t))).to.deep.equal([false, true, false, true]);
    });

    it('initial state: up (first failure takes it down) or down (first success brings it up)', () => {
      const up = initialHealth('up', T);
      expect(isUp(up, T)).to.equal(true);
      expect(isUp(afterFailure(up, T), T)).to.equal(false);
      const down = initialHealth('down', T);
      expect(isUp(down, T)).to.equal(false);
      expect(isUp(afterSuccess(down, T), T)).to.equal(true);
    });

    it('phases and intervals: inter when fully up, downinter when fully down, fastinter between', () => {
      const p = { ...T, intervalMs: 2000, fastIntervalMs: 500, downIntervalMs: 5000 };
      expect(phaseOf(4, T)).to.equal('up');
      expect(intervalFor(4, p, false)).to.equal(2000);
      expect(intervalFor(4, p, true)).to.equal(500); // forced by passive errors
      expect(phaseOf(3, T)).to.equal('going-down');
      expect(intervalFor(3, p, false)).to.equal(500);
      expect(phaseOf(0, T)).to.equal('down');
      expect(intervalFor(0, p, true)).to.equal(5000);
      expect(phaseOf(1, T)).to.equal('going-up');
      expect(intervalFor(1, p, false)).to.equal(500);
      expect(intervalFor(0, { ...p, intervalMs: 0, downIntervalMs: 0 }, false)).to.be.at.least(10);
    });

    it('a policy change keeps the verdict', () => {
      const to = { rise: 5, fall: 5 };
      expect(rescaleHealth(4, T, to)).to.equal(maxHealth(to)); // fully up stays fully up
      expect(isUp(rescaleHealth(3, T, to), to)).to.equal(true); // going down stays up
      expect(rescaleHealth(0, T, to)).to.equal(0); // fully down stays fully down
      expect(isUp(rescaleHealth(2, T, { rise: 1, fall: 1 }), { rise: 1, fall: 1 })).to.equal(false);
    });
  });

  describe('slow start', () => {
    it('ramps the weight linearly from 1 to the configured weight over the window', () => {
      const w = (elapsed: number) => slowStartWeight(100, 10_000, 1000, 10_000 + elapsed);
      expect(w(0)).to.equal(1);
      expect(w(10)).to.equal(1);
      expect(w(250)).to.equal(25);
      expect(w(500)).to.equal(50);
      expect(w(999)).to.equal(100);
      expect(w(1000)).to.equal(100);
      expect(w(5000)).to.equal(100);
    });

    it('does nothing without a window, before any recovery, or for weight 0', () => {
      expect(slowStartWeight(10, 10_000, 0, 10_001)).to.equal(10);
      expect(slowStartWeight(10, 0, 1000, 10_001)).to.equal(10);
      expect(slowStartWeight(0, 10_000, 1000, 10_001)).to.equal(0);
    });
  });

  describe('HTTP expectations', () => {
    it('defaults to 2xx/3xx', () => {
      const e = compileExpect(undefined);
      expect(e.status(200)).to.equal(null);
      expect(e.status(302)).to.equal(null);
      expect(e.status(404)).to.match(/wrong status 404 \(expected 200-399\)/);
      expect(e.needsBody).to.equal(false);
    });

    it('status list, range and regex must all hold', () => {
      const e = compileExpect({ status: [200, 204], statusRange: '200-299', statusRegex: '^20[04]$' });
      expect(e.status(200)).to.equal(null);
      expect(e.status(204)).to.equal(null);
      expect(e.status(201)).to.match(/wrong status 201/);
    });

    it('body contains / regex', () => {
      const e = compileExpect({
        statusRange: '200-399',
        bodyContains: 'healthy',
        bodyRegex: '"db":\\s*"ok"',
      });
      expect(e.needsBody).to.equal(true);
      expect(e.body('{"status":"healthy","db": "ok"}')).to.equal(null);
      expect(e.body('{"status":"sick","db":"ok"}')).to.match(/body does not contain "healthy"/);
      expect(e.body('healthy {"db":"down"}')).to.match(/body does not match/);
    });

    it('rejects expectations that cannot be evaluated', () => {
      expect(() => compileExpect({ statusRegex: '(' })).to.throw(ExpectationError, /invalid status regex/);
      expect(() => compileExpect({ statusRange: 'abc' })).to.throw(ExpectationError, /invalid status range/);
    });
  });

  describe('passive outcome classification (HAProxy observe)', () => {
    const err = (kind: string | undefined, message: string, code?: string) =>
      Object.assign(new Error(message), { kind, code });

    it('5xx except 501 and 505 are layer-7 errors; other statuses are successes', () => {
      expect(classify(500)).to.include({ layer: 7, failed: true });
      expect(classify(503)).to.include({ layer: 7, failed: true });
      expect(classify(501)).to.include({ failed: false });
      expect(classify(505)).to.include({ failed: false });
      expect(classify(404)).to.include({ failed: false });
      expect(classify(200)).to.include({ failed: false });
    });

    it('connect errors and connect timeouts are layer-4 errors', () => {
      expect(classify(err('connect', 'ECONNREFUSED', 'ECONNREFUSED'))).to.include({ layer: 4, failed: true });
      expect(classify(err('connect', 'connect timeout after 100ms', 'ETIMEDOUT'))).to.deep.include({
        layer: 4,
        failed: true,
        what: 'connect timeout (connect timeout after 100ms)',
      });
      // The TCP proxy reports raw socket errors.
      expect(classify(err(undefined, 'connect ECONNREFUSED', 'ECONNREFUSED'))).to.include({
        layer: 4,
        failed: true,
      });
      expect(classify('connected')).to.include({ layer: 4, failed: false });
    });

    it('server timeouts and bad answers are layer-7 errors; a stale keep-alive reset is ignored', () => {
      expect(classify(err('timeout', 'no data from server for 50ms', 'ETIMEDOUT'))).to.include({
        layer: 7,
        failed: true,
      });
      expect(classify(err('protocol', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_CONSTANT'))).to.include({
        layer: 7,
        failed: true,
      });
      expect(classify(err('protocol', 'ECONNRESET', 'ECONNRESET'))).to.equal(undefined);
    });
  });
});
