// Cookie persistence (HAProxy "cookie <name> insert|rewrite|prefix [indirect] [nocache] ...").
// Pure header transforms; the HTTP engine decides when to call them.
//
// Request side (before a server is chosen):
//   the cookie's value designates a server (insert, rewrite: the whole value; prefix: the part
//   before the first '~', or the whole value when there is none);
//   insert + indirect: the cookie is removed from the request, so the application never sees it;
//   prefix: "srv~" is stripped, so the server gets back the value it set.
// Response side (after the server answered):
//   insert: any cookie of that name the server set is removed, and Bascule sets one naming the
//     server when the request did not come with a valid one for it ("direct");
//   rewrite: the server's own cookie of that name gets the server's value;
//   prefix: the server's own cookie of that name gets "srv~" prepended;
//   indirect, on a direct request: the server's own cookie of that name is removed (insert,
//     prefix; HAProxy refuses indirect with rewrite, Bascule ignores it there);
//   nocache: a response whose persistence cookie Bascule set or changed gets
//     "Cache-Control: private", so a shared cache never hands one client's cookie to others.
import type { BackendSnap } from '#protocol/snapshot';
import type { HeaderList } from '../router/types.js';

export type CookieConfig = NonNullable<NonNullable<BackendSnap['persistence']>['cookie']>;

/** HAProxy's delimiter between the server id and the application's value in prefix mode. */
export const PREFIX_DELIMITER = '~';

interface Pair {
  name: string;
  value: string;
}

/** "a=1; b=2" → pairs (names and values trimmed; parts without '=' are kept as names). */
export function parseCookieHeader(value: string): Pair[] {
  const out: Pair[] = [];
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (name === '' && eq < 0) continue;
    out.push({ name, value: eq < 0 ? '' : part.slice(eq + 1).trim() });
  }
  return out;
}

const serialize = (pairs: Pair[]): string =>
  pairs.map((p) => (p.value === '' && p.name !== '' ? `${p.name}=` : `${p.name}=${p.value}`)).join('; ');

/** The value of the first cookie called `name` in the request's Cookie header(s). */
export function findRequestCookie(headers: HeaderList, name: string): string | undefined {
  for (const [n, v] of headers) {
    if (n.toLowerCase() !== 'cookie') continue;
    for (const p of parseCookieHeader(v)) if (p.name === name) return p.value;
  }
  return undefined;
}

/** The server id a persistence cookie value designates in this mode ('' when none). */
export function serverIdOf(cfg: CookieConfig, value: string): string {
  if (cfg.mode !== 'prefix') return value;
  const i = value.indexOf(PREFIX_DELIMITER);
  return i < 0 ? value : value.slice(0, i); // no delimiter: the whole value (as HAProxy reads it)
}

/** Request-side edits: remove the cookie (insert + indirect) or strip the prefix (prefix). */
export function editRequestCookies(cfg: CookieConfig, headers: HeaderList): HeaderList {
  const strip = cfg.mode === 'insert' && cfg.indirect;
  const unprefix = cfg.mode === 'prefix';
  if (!strip && !unprefix) return headers;
  let changed = false;
  const out: HeaderList = [];
  for (const h of headers) {
    if (h[0].toLowerCase() !== 'cookie') {
      out.push(h);
      continue;
    }
    const pairs = parseCookieHeader(h[1]);
    const kept: Pair[] = [];
    for (const p of pairs) {
      if (p.name !== cfg.name) kept.push(p);
      else if (strip) changed = true;
      else {
        const i = p.value.indexOf(PREFIX_DELIMITER);
        if (i >= 0) {
          kept.push({ name: p.name, value: p.value.slice(i + 1) });
          changed = true;
        } else kept.push(p);
      }
    }
    if (kept.length > 0) out.push([h[0], changed ? serialize(kept) : h[1]]);
    else changed = true;
  }
  return changed ? out : headers;
}

/** The Set-Cookie value Bascule inserts for `serverCookie` (insert mode). */
export function insertedCookie(cfg: CookieConfig, serverCookie: string): string {
  let c = `${cfg.name}=${serverCookie}; Path=${cfg.path || '/'}`;
  if (cfg.domain) c += `; Domain=${cfg.domain}`;
  if (cfg.maxAgeMs !== undefined) c += `; Max-Age=${Math.floor(cfg.maxAgeMs / 1000)}`;
  if (cfg.httpOnly) c += '; HttpOnly';
  if (cfg.secure) c += '; Secure';
  if (cfg.sameSite) c += `; SameSite=${cfg.sameSite}`;
  return c;
}

export interface ResponseCookieContext {
  /** The value of the server that answered (its `cookie`). */
  readonly serverCookie: string;
  /** The request carried a valid cookie for exactly this server. */
  readonly direct: boolean;
}

/** Response-side edits (see the header comment). */
export function editResponseCookies(
  cfg: CookieConfig,
  headers: HeaderList,
  ctx: ResponseCookieContext,
): HeaderList {
  let touched = false;
  const out: HeaderList = [];
  for (const h of headers) {
    if (h[0].toLowerCase() !== 'set-cookie') {
      out.push(h);
      continue;
    }
    const semi = h[1].indexOf(';');
    const first = semi < 0 ? h[1] : h[1].slice(0, semi);
    const eq = first.indexOf('=');
    const name = (eq < 0 ? first : first.slice(0, eq)).trim();
    if (name !== cfg.name) {
      out.push(h);
      continue;
    }
    // HAProxy refuses "rewrite indirect"; Bascule ignores indirect in rewrite mode.
    if (cfg.mode === 'insert' || (cfg.indirect && cfg.mode !== 'rewrite' && ctx.direct)) {
      touched = true; // removed
      continue;
    }
    const value = eq < 0 ? '' : first.slice(eq + 1).trim();
    const rest = semi < 0 ? '' : h[1].slice(semi);
    const next = cfg.mode === 'rewrite' ? ctx.serverCookie : `${ctx.serverCookie}${PREFIX_DELIMITER}${value}`;
    out.push([h[0], `${cfg.name}=${next}${rest}`]);
    touched = true;
  }
  let inserted = false;
  if (cfg.mode === 'insert' && !ctx.direct) {
    out.push(['Set-Cookie', insertedCookie(cfg, ctx.serverCookie)]);
    inserted = true;
  }
  if (cfg.nocache && (inserted || (touched && cfg.mode !== 'insert'))) out.push(['Cache-Control', 'private']);
  return touched || inserted ? out : headers;
}
