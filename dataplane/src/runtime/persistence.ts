// Session persistence of a backend, as the proxies use it: find the server a client is bound to
// (cookie or source address), adjust request and response headers, remember new bindings.
// A binding to a server that cannot take persistent traffic now (down, maintenance, removed) is
// ignored and the client is load-balanced anew — then re-bound (a new cookie, a new table entry).
import type { BackendRuntime, ServerRuntime } from './backend.js';
import type { HeaderList } from '../router/types.js';
import {
  editRequestCookies,
  editResponseCookies,
  findRequestCookie,
  serverIdOf,
} from '../persistence/cookie.js';

export interface Binding {
  /** Where persistence wants this request to go (may be unusable; the backend decides). */
  readonly preferred?: ServerRuntime;
  /** Cookie persistence: the server named by the request's cookie. */
  readonly cookieServer?: ServerRuntime;
}

const NO_BINDING: Binding = Object.freeze({});

/**
 * Looks up the client's binding. `headers` are the request's end-to-end headers. The clock is
 * read only for source persistence (a default parameter would read it on every request).
 */
export function lookupBinding(
  backend: BackendRuntime,
  headers: HeaderList | undefined,
  client: string,
  now?: number,
): Binding {
  const p = backend.snap.persistence;
  if (!p) return NO_BINDING;
  if (p.cookie && headers) {
    const value = findRequestCookie(headers, p.cookie.name);
    const server = value === undefined ? undefined : backend.serverByCookie(serverIdOf(p.cookie, value));
    return server ? { preferred: server, cookieServer: server } : NO_BINDING;
  }
  if (p.source && client) {
    const key = backend.state.stick.lookup(client, now ?? Date.now(), p.source.expireMs);
    const server = key === undefined ? undefined : backend.serverByKey(key);
    return server ? { preferred: server } : NO_BINDING;
  }
  return NO_BINDING;
}

/** Request headers as the server should see them (cookie indirect / prefix stripping). */
export function persistRequestHeaders(backend: BackendRuntime, headers: HeaderList): HeaderList {
  const c = backend.snap.persistence?.cookie;
  return c ? editRequestCookies(c, headers) : headers;
}

/** Response headers as the client should see them (inserted / rewritten / prefixed cookie). */
export function persistResponseHeaders(
  backend: BackendRuntime,
  headers: HeaderList,
  server: ServerRuntime,
  binding: Binding,
): HeaderList {
  const c = backend.snap.persistence?.cookie;
  if (!c) return headers;
  return editResponseCookies(c, headers, {
    serverCookie: server.snap.cookie,
    direct: binding.cookieServer === server,
  });
}

/** Source persistence: remember that `client` is served by `server` (refreshes the entry). */
export function rememberBinding(
  backend: BackendRuntime,
  client: string,
  server: ServerRuntime,
  now?: number,
): void {
  const s = backend.snap.persistence?.source;
  if (s && client) backend.state.stick.store(client, server.key, now ?? Date.now(), s.expireMs);
}
