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

let open = false;
let cached = -1;

/** performance.now(), or the value already read within the current read callback. */
export function clockNow(): number {
  if (!open) return performance.now();
  if (cached < 0) cached = performance.now();
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

/** Date.now() minus performance.now(), re-read at most once per second (clock steps are followed). */
let wallOffset = Date.now() - performance.now();
let wallSynced = performance.now();

/** Wall-clock milliseconds (as Date.now()) at `t`, a clockNow() value, without a second clock read. */
export function wallAt(t: number): number {
  if (t - wallSynced >= 1000 || t < wallSynced) {
    wallOffset = Date.now() - performance.now();
    wallSynced = t;
  }
  return Math.floor(t + wallOffset);
}
