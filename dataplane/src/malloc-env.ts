// glibc malloc settings for dataplane processes (docs/memory.md, "malloc").
//
// An idle dataplane on glibc held 9–12 MiB in malloc of which ~4.5 MiB was in use: the rest was
// free memory glibc kept. Once a block of more than 128 KiB that malloc took with mmap is freed
// (a TurboFan compilation zone of ~900 KiB, seconds after start-up), glibc raises its mmap
// threshold to that block's size and its trim threshold to twice that, so the free top of the
// main arena and of every thread's arena (V8's background threads compile and mark in their
// own) stays resident up to ~1.8 MiB each. A fixed MALLOC_TRIM_THRESHOLD_ turns that adaptation
// off: glibc's defaults stay (blocks of 128 KiB or more mapped and unmapped on their own, an
// arena's free top beyond 128 KiB returned). Measured: bench/README.md, "Dataplane memory".
//
// glibc reads it from the environment at start-up only: the dataplane image sets it (ENV in
// dataplane/Dockerfile; Alpine's musl ignores it, a glibc base image uses it) and a primary
// passes it to the workers it forks. A process's own setting wins.
export const DATAPLANE_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** The settings `env` does not set itself: what a worker forked from it adds. */
export function mallocEnvFor(env: NodeJS.ProcessEnv): Record<string, string> {
  const add: Record<string, string> = {};
  for (const [name, value] of Object.entries(DATAPLANE_MALLOC_ENV))
    if (env[name] === undefined) add[name] = value;
  return add;
}
