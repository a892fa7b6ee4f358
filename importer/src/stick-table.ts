// stick-table type ... [expire T] [store ...]: the counters behind rate limits and source
// persistence (HAProxy's stick_table.c).
import { splitCondition } from './acl.js';
import type { Proxy } from './model.js';
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import { parseTime } from './values.js';

// ---------- stick-table ----------

export function parseStickTable(p: Proxy, a: string[], d: Directive): Proxy['table'] {
  const t: NonNullable<Proxy['table']> = {
    line: d.line,
    text: d.text,
    owner: p.hname,
    type: '',
    store: new Map(),
    used: false,
  };
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!;
    const v = a[i + 1];
    switch (w) {
      case 'type':
        if (v === undefined) throw new ConfigError(d.line, 'stick-table: type needs a value');
        t.type = v;
        i++;
        if ((v === 'string' || v === 'binary') && a[i + 1] === 'len') i += 2;
        break;
      case 'size':
      case 'peers':
      case 'srvkey':
      case 'write-to':
      case 'recv-only':
        i++;
        break;
      case 'expire':
        t.expire = parseTime(v, d.line, 'stick-table expire').duration;
        i++;
        break;
      case 'nopurge':
        break;
      case 'store':
        if (v === undefined) throw new ConfigError(d.line, 'stick-table: store needs a list');
        for (const item of v.split(',')) {
          const m = /^([a-z0-9_]+)(?:\(([^)]*)\))?$/.exec(item);
          if (!m) throw new ConfigError(d.line, `stick-table: invalid store item "${item}"`);
          t.store.set(
            m[1]!,
            m[2] !== undefined ? parseTime(m[2], d.line, `stick-table store ${m[1]}`).duration : undefined,
          );
        }
        i++;
        break;
      default:
        throw new ConfigError(d.line, `stick-table: unknown argument "${w}"`);
    }
  }
  if (t.type === '') throw new ConfigError(d.line, 'stick-table: missing type');
  return t;
}

/** track-sc0/1/2 KEY [table NAME] [if|unless COND] (http-request and tcp-request): counts a client. */
export function addTrack(p: Proxy, action: string, rest: string[], d: Directive, what: string): void {
  const { args, cond } = splitCondition(rest, 1);
  const key = args[0];
  if (key === undefined) throw new ConfigError(d.line, `${what}: missing key`);
  const ti = args.indexOf('table');
  p.fe.tracks.push({
    line: d.line,
    text: d.text,
    slot: Number(action.slice(-1)),
    key,
    ...(ti >= 0 && args[ti + 1] ? { table: args[ti + 1]! } : {}),
    conditional: cond !== undefined,
    used: false,
  });
}
