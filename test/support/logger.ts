// Loggers for in-process components under test: silent unless BASCULE_TEST_LOG names a level.
import { pino, type Logger } from 'pino';

export function quietLogger(): Logger {
  return pino({ level: process.env.BASCULE_TEST_LOG ?? 'silent' });
}
