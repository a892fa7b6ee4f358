// What `forwardFor: true` already sends upstream, so that header edits converted beside it do
// not repeat it. HAProxy's "option forwardfor" adds only X-Forwarded-For; Bascule's forwardFor
// also sets X-Forwarded-Proto, -Host and -Port (replacing what the client sent), and the
// Frontend's header edits run after it. An "add-header X-Forwarded-Proto http" converted as is
// would therefore reach the servers as "X-Forwarded-Proto: http, http" where HAProxy sends one
// value.
import type { Bind, HeaderEdit } from './model.js';

/** The edit to emit (or none), and a note saying what was folded. */
export interface Folded {
  edit?: Pick<HeaderEdit, 'op' | 'name' | 'value'>;
  note?: string;
}

/** The value forwardFor gives a header on this bind; null when it depends on the request. */
function impliedValue(name: string, bind: Bind): string | null | undefined {
  switch (name.toLowerCase()) {
    case 'x-forwarded-proto':
      return bind.ssl ? 'https' : 'http';
    case 'x-forwarded-port':
      return String(bind.port);
    case 'x-forwarded-host':
      return null; // the request's Host
    default:
      return undefined; // not one forwardFor sets
  }
}

/** A request header edit of a Frontend that has forwardFor on. */
export function foldIntoForwardFor(e: HeaderEdit, bind: Bind): Folded {
  const implied = impliedValue(e.name, bind);
  // A set or remove runs after forwardFor and leaves one value (or none), as in HAProxy.
  if (implied === undefined || e.dir !== 'request' || e.op !== 'add')
    return { edit: { op: e.op, name: e.name, value: e.value } };
  if (implied !== null && e.value === implied)
    return {
      note: `${e.text}: folded into forwardFor, which already sends ${e.name}: ${implied} on this bind`,
    };
  return {
    edit: { op: 'set', name: e.name, value: e.value },
    note: `${e.text}: converted to requestHeaders.set: forwardFor already sends ${e.name}${implied === null ? '' : ` (${implied})`}, and an add would send both values where HAProxy sends one`,
  };
}
