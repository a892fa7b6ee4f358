// cookie NAME [insert|rewrite|prefix] [options] → Backend persistence.cookie.
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import type { CookieSettings, Scope, Settings } from './settings.js';

export function applyCookie(d: Directive, s: Settings, scope: Scope): void {
  const [, name, ...rest] = d.words;
  if (name === undefined) throw new ConfigError(d.line, 'cookie: missing cookie name');
  const c: Partial<CookieSettings> & { name: string } = { name };
  const dropped: string[] = [];
  const domains: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    switch (w) {
      case 'insert':
      case 'rewrite':
      case 'prefix':
        c.mode = w;
        break;
      case 'indirect':
        c.indirect = true;
        break;
      case 'nocache':
        c.nocache = true;
        break;
      case 'httponly':
        c.httpOnly = true;
        break;
      case 'secure':
        c.secure = true;
        break;
      case 'domain':
        domains.push(rest[++i] ?? '');
        break;
      case 'attr': {
        const v = rest[++i] ?? '';
        const ss = /^SameSite=(Strict|Lax|None)$/i.exec(v);
        if (ss)
          c.sameSite = (ss[1]![0]!.toUpperCase() +
            ss[1]!.slice(1).toLowerCase()) as CookieSettings['sameSite'];
        else dropped.push(`attr ${v}`);
        break;
      }
      case 'maxidle':
      case 'maxlife':
        dropped.push(`${w} ${rest[++i] ?? ''}`);
        break;
      case 'postonly':
      case 'preserve':
      case 'dynamic':
        dropped.push(w);
        break;
      default:
        throw new ConfigError(d.line, `cookie: unknown option "${w}"`);
    }
  }
  const ba = scope.backendAnchors;
  if (domains.length > 0) {
    c.domain = domains[0]!;
    if (domains.length > 1) dropped.push(`domain ${domains.slice(1).join(' domain ')}`);
  }
  if (!c.mode) {
    scope.report.unsupported(
      d.line,
      d.text,
      'passive cookie persistence (no insert, rewrite or prefix: the application sets the cookie) has no Bascule equivalent; add insert to let Bascule set it',
      ba,
    );
    delete s.cookie;
    return;
  }
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(c.name))
    throw new ConfigError(d.line, `cookie: invalid cookie name "${c.name}"`);
  s.cookie = { value: c as CookieSettings, line: d.line };
  if (dropped.length > 0) {
    const why = dropped.some((x) => x.startsWith('maxidle') || x.startsWith('maxlife'))
      ? 'server-side cookie expiry (maxidle/maxlife) is not supported; the cookie lasts for the browser session'
      : 'not supported by Bascule cookie persistence';
    scope.report.unsupported(d.line, `${dropped.join(', ')} (in: ${d.text})`, why, ba);
  }
}
