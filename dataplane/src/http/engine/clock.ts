// The time of the engine's current read callback, read once per callback instead of once per
// use (HAProxy reads its clock once per poll loop turn, `now_ms`). A request costs a trace
// timestamp at its start, at its first attempt, at the connection to the server, at the response
// and at its end, plus the pooled connection's idle mark: within one read callback these are all
// the same instant to a millisecond-resolution record, and read separately they were six clock
// reads per request.
//
// The cache is open only inside the engine's read callbacks (h1-server and h1-client wrap theirs
// in enterTurn/leaveTurn): any other caller — a timer, a close, the TCP relay, a callback of
// Node's — reads the real clock, so nothing ever sees a time older than the callback it runs in.
//
// The clock is process.hrtime(), not performance.now(): the `performance` global is a getter that
// loads perf_hooks and the user-timing, event-loop and resource-timing modules with it (+0.25–0.4
// MiB of an idle dataplane on Node.js 26), for a call that costs the same clock read (~10 ns more
// per call on this machine's Node.js 20 and 26, and the engine reads it once per callback). Values
// are milliseconds since this module loaded, as performance.now()'s are since the process started.

const hrtime = process.hrtime;
const [originSeconds, originNanos] = hrtime();

/** Monotonic milliseconds since this module loaded (fractional, nanosecond resolution). */
export function monotonicNow(): number {
  const t = hrtime();
  return (t[0] - originSeconds) * 1e3 + (t[1] - originNanos) / 1e6;
}

let open = false;
let cached = -1;

/** monotonicNow(), or the value already read within the current read callback. */
export function clockNow(): number {
  if (!open) return monotonicNow();
  if (cached < 0) cached = monotonicNow();
  return cached;
}

/** A read callback starts: the next clockNow() reads the clock, later ones reuse that value. */
export function enterTurn(): void {
  open = true;
  cached = -1;
}

/** The read callback is over: clockNow() reads the clock again until the next one starts. */
export function leaveTurn(): void {
  open = false;
}

/** Date.now() minus monotonicNow(), re-read at most once per second (clock steps are followed). */
let wallOffset = Date.now() - monotonicNow();
let wallSynced = monotonicNow();

/** Wall-clock milliseconds (as Date.now()) at `t`, a clockNow() value, without a second clock read. */
export function wallAt(t: number): number {
  if (t - wallSynced >= 1000 || t < wallSynced) {
    wallOffset = Date.now() - monotonicNow();
    wallSynced = t;
  }
  return Math.floor(t + wallOffset);
}
