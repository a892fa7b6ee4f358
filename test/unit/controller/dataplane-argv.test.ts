// `bascule dataplane`'s own argument reading (controller/src/cli/dataplane-argv.ts) against the
// full command line (program.ts, commander): for every argument list it accepts, the options
// are the ones commander gives the dataplane command; everything else it leaves to commander.
import { expect } from 'chai';
import { hostname } from 'node:os';
import { parseDataplaneArgv } from '#controller/cli/dataplane-argv';
import type { DataplaneCommandOptions } from '#controller/cli/dataplane-command';
import { buildProgram } from '#controller/cli/program';
import { usableCpus } from '#dataplane/workers/cpu-count';

const ENV_NAMES = ['BASCULE_WORKERS', 'BASCULE_DRAIN_TIMEOUT'] as const;

/** What commander hands the dataplane command for `bascule dataplane ARGS` with `env`, or the error it reports. */
async function commander(
  args: string[],
  env: Record<string, string>,
): Promise<DataplaneCommandOptions | { error: string }> {
  const saved = ENV_NAMES.map((n) => [n, process.env[n]] as const);
  for (const n of ENV_NAMES) delete process.env[n];
  Object.assign(process.env, env);
  let got: DataplaneCommandOptions | undefined;
  const program = buildProgram({ dataplane: async (o) => void (got = { ...o }) });
  let error = '';
  program.configureOutput({ writeErr: (s) => void (error += s), writeOut: (s) => void (error += s) });
  for (const c of program.commands)
    c.configureOutput({ writeErr: (s) => void (error += s), writeOut: (s) => void (error += s) });
  try {
    await program.parseAsync(['node', 'bascule', 'dataplane', ...args]);
  } catch (err) {
    return { error: error || (err as Error).message };
  } finally {
    for (const [n, v] of saved)
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
  }
  return got ?? { error: 'no action ran' };
}

const BASE = ['--controller', 'ws://c:7443', '--token-file', '/t'];

describe('bascule dataplane: its own argument reading agrees with the full command line', () => {
  const accepted: Array<[string, string[], Record<string, string>]> = [
    ['the required options only', BASE, {}],
    [
      'every option, "--name value"',
      [
        ...BASE,
        '--group',
        'edge',
        '--node-id',
        'n1',
        '--state-dir',
        '/s',
        '--admin',
        '0.0.0.0:9091',
        '--ca-file',
        '/ca',
        '--bind-address',
        '10.0.0.1',
        '--workers',
        '3',
        '--drain-timeout',
        '5s',
      ],
      {},
    ],
    [
      'every option, "--name=value"',
      [
        '--controller=ws://a:1,ws://b:2',
        '--token-file=/t',
        '--group=g',
        '--node-id=x=y',
        '--state-dir=/s',
        '--admin=:9',
        '--ca-file=/ca',
        '--bind-address=::1',
        '--workers=12',
        '--drain-timeout=250ms',
      ],
      {},
    ],
    ['a value starting with "-" after "="', ['--controller=-x', '--token-file=/t'], {}],
    ['empty values', ['--controller=', '--token-file=', '--group='], {}],
    [
      'workers and drain timeout from the environment',
      BASE,
      { BASCULE_WORKERS: '2', BASCULE_DRAIN_TIMEOUT: '1m' },
    ],
    [
      'the command line over the environment',
      [...BASE, '--workers', '4', '--drain-timeout', '3s'],
      { BASCULE_WORKERS: '2', BASCULE_DRAIN_TIMEOUT: '1m' },
    ],
    ['values with spaces around them', [...BASE, '--workers', ' 7 ', '--drain-timeout', ' 2s '], {}],
  ];
  for (const [what, args, env] of accepted)
    it(`accepts ${what}, with commander's result`, async () => {
      const own = parseDataplaneArgv(args, env);
      expect(own, 'read on its own').to.not.equal(undefined);
      expect(own).to.deep.equal(await commander(args, env));
    });

  it('fills the defaults commander fills', () => {
    expect(parseDataplaneArgv(BASE, {})).to.deep.equal({
      controller: 'ws://c:7443',
      tokenFile: '/t',
      group: 'default',
      nodeId: hostname(),
      admin: '127.0.0.1:9091',
      workers: usableCpus(),
      drainTimeout: 25_000,
    });
  });

  const declined: Array<[string, string[], Record<string, string>]> = [
    ['no arguments (required options missing)', [], {}],
    ['no --token-file', ['--controller', 'ws://c'], {}],
    ['--help', [...BASE, '--help'], {}],
    ['-h', ['-h'], {}],
    ['an unknown option', [...BASE, '--wrokers', '2'], {}],
    ['a short option', ['-c', 'x', ...BASE], {}],
    ['an operand', [...BASE, 'extra'], {}],
    ['"--"', [...BASE, '--'], {}],
    ['an option without its value', [...BASE, '--group'], {}],
    ['a value starting with "-"', ['--controller', '--token-file', '/t'], {}],
    ['a repeated option', [...BASE, '--group', 'a', '--group', 'b'], {}],
    ['a bad worker count', [...BASE, '--workers', '0'], {}],
    ['a worker count out of range', [...BASE, '--workers', '10000'], {}],
    ['a bad drain timeout', [...BASE, '--drain-timeout', 'soon'], {}],
    ['a bad BASCULE_WORKERS', BASE, { BASCULE_WORKERS: 'many' }],
    ['an empty BASCULE_WORKERS', BASE, { BASCULE_WORKERS: '' }],
    ['a bad BASCULE_DRAIN_TIMEOUT', BASE, { BASCULE_DRAIN_TIMEOUT: '-1s' }],
  ];
  for (const [what, args, env] of declined)
    it(`leaves ${what} to the full command line`, () => {
      expect(parseDataplaneArgv(args, env)).to.equal(undefined);
    });

  it('where it declines a bad value, commander reports it', async () => {
    for (const [args, env, message] of [
      [[...BASE, '--workers', '0'], {}, /--workers <n>.*a positive integer/],
      [BASE, { BASCULE_WORKERS: 'many' }, /a positive integer/],
      [[...BASE, '--drain-timeout', 'soon'], {}, /--drain-timeout <duration>/],
      [['--controller', 'ws://c'], {}, /required option '--token-file <file>' not specified/],
    ] as Array<[string[], Record<string, string>, RegExp]>) {
      const result = await commander(args, env);
      expect(result, args.join(' ')).to.have.property('error').that.matches(message);
    }
  });
});
