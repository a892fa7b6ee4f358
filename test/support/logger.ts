// Loggers for in-process components under test: silent unless BASCULE_TEST_LOG names a level,
// or capturing every line (debug and up) for assertions.
import { pino, type Logger } from 'pino';

export function quietLogger(): Logger {
  return pino({ level: process.env.BASCULE_TEST_LOG ?? 'silent' });
}

/** A logger whose lines are kept for assertions. */
export function capturingLogger(): {
  log: Logger;
  lines: () => Array<Record<string, unknown>>;
  text: () => string;
} {
  const chunks: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void chunks.push(s) });
  return {
    log,
    text: () => chunks.join(''),
    lines: () =>
      chunks.flatMap((c) =>
        c
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      ),
  };
}
