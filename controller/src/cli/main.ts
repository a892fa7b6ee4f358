// The `bascule` command line. A `bascule dataplane` whose arguments dataplane-argv.ts understands
// starts the dataplane straight away; every other command, and any dataplane argument it does not
// understand (help, errors), goes to the full command line (program.ts), which a dataplane process
// then never loads (bench/history/2026-12-02-idle-rss.md).
import { parseDataplaneArgv } from './dataplane-argv.js';
import { dataplaneCommand } from './dataplane-command.js';
import { io } from './run-until-signal.js';

export async function main(argv: string[]): Promise<void> {
  try {
    const dataplane = argv[2] === 'dataplane' ? parseDataplaneArgv(argv.slice(3), process.env) : undefined;
    if (dataplane) await dataplaneCommand(dataplane);
    else await (await import('./program.js')).runProgram(argv);
  } catch (err) {
    io.err(`bascule: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
