// The Node.js options a worker process runs with: the primary's own (process.execArgv: the
// image's flags, a --heap-growing-percent given on its command line), plus the young-generation
// cap of the dataplane image when the primary was started without one. V8 sizes the young
// generation only when a process starts, so `bascule dataplane --workers N` run outside the image
// cannot cap its own; its workers, which serve the traffic, are started with the cap here
// (docs/memory.md: at Node's default of 16 MiB per semi-space the young generation kept ~20 MiB
// resident in every process).
export const WORKER_MAX_SEMI_SPACE_MIB = 2;

export function workerExecArgv(primary: readonly string[]): string[] {
  if (primary.some((a) => /^--max[-_]semi[-_]space[-_]size/.test(a))) return [...primary];
  return [...primary, `--max-semi-space-size=${WORKER_MAX_SEMI_SPACE_MIB}`];
}
