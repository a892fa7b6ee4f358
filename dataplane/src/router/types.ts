// Plain data in and out of the router: no sockets, no Node HTTP objects.

/** Header fields in wire order, names as received (duplicates kept). */
export type HeaderList = Array<[name: string, value: string]>;

/** What the router needs to know about a request, extracted once by the HTTP engine. */
export interface RequestHead {
  readonly method: string;
  /** Path as received (not decoded or normalized), without the query. */
  readonly path: string;
  /** Raw query string without the leading '?' ('' when none). */
  readonly query: string;
  /** Host without port, lower case ('' when absent). */
  readonly host: string;
  /** Port from the Host header, when one was given. */
  readonly hostPort?: number;
  /** Header values keyed by lower-case name (Node's IncomingMessage.headers shape). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly sourceAddress: string;
  readonly scheme: 'http' | 'https';
  /** Port the connection arrived on. */
  readonly localPort: number;
  readonly sni?: string;
}

export interface CompiledHeaderEdits {
  /** Lower-case names; removed first. */
  readonly remove: ReadonlySet<string>;
  /** Replace every existing value (after removal). */
  readonly set: ReadonlyArray<{ readonly name: string; readonly lower: string; readonly value: string }>;
  /** Appended last. */
  readonly add: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** `remove` and the `set` names together: what goes before `set` and `add` apply. */
  readonly drop: ReadonlySet<string>;
  /** The same names as a list, compared in place when short (no lower-cased copy per field). */
  readonly dropNames: readonly string[];
  /** The `set` then `add` fields, in the order they are appended. */
  readonly appended: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /**
   * The same as [name, value] pairs, the array and each pair frozen: a message's added fields may
   * be this very array (http/field-lines.ts copies it before any change), not new pairs per message.
   */
  readonly appendedPairs: ReadonlyArray<readonly [name: string, value: string]>;
  /** Their field lines, `${name}: ${value}` CRLF each, in order: what a message with them writes. */
  readonly appendedLines: string;
}

export type RouteAction =
  | { readonly type: 'backend'; readonly backend: string }
  | { readonly type: 'redirect'; readonly status: number; readonly location: string }
  | { readonly type: 'deny'; readonly status: number; readonly body?: string }
  | { readonly type: 'no-route' };

export interface RouteDecision {
  /** Name of the matching rule; undefined when the default backend (or nothing) applies. */
  readonly rule: string | undefined;
  readonly action: RouteAction;
  /** Edits in application order: frontend first, then the rule (the more specific wins). */
  readonly requestHeaders: readonly CompiledHeaderEdits[];
  readonly responseHeaders: readonly CompiledHeaderEdits[];
}

export interface Router {
  readonly frontendId: string;
  route(head: RequestHead): RouteDecision;
}
