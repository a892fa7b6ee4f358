// What the long-running commands share: their output streams and how a signal stops them.
import type { CommandIo } from './validate-command.js';

export const io: CommandIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/**
 * Keeps a long-running command alive until SIGINT/SIGTERM, then stops it: `graceful` (a
 * dataplane drains) when given, else `close`. A second signal during a graceful stop closes at once.
 */
export function runUntilSignal(close: () => Promise<void>, graceful?: () => Promise<void>): void {
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      if (!graceful) return;
      io.err(`received ${sig} again, stopping now\n`);
      graceful = undefined;
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
      return;
    }
    stopping = true;
    io.err(`received ${sig}, ${graceful ? 'draining' : 'shutting down'}\n`);
    (graceful ?? close)().then(
      () => process.exit(0),
      (err) => {
        io.err(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
