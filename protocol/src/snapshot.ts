// The routing snapshot: the wire contract between controller and dataplane.
// Plain JSON, all defaults applied, all references resolved, durations in milliseconds.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const O = <T extends Record<string, TSchema>>(p: T) => Type.Object(p, { additionalProperties: false });
const Opt = Type.Optional;
const Ms = Type.Integer({ minimum: 0 });
const S = Type.String();
const Int = Type.Integer();
const Bool = Type.Boolean();
const Lit = <T extends string>(...v: T[]) => Type.Union(v.map((x) => Type.Literal(x)));

/** Most Frontends one shared listener may have joined to its owner. */
export const MAX_LISTENER_MEMBERS = 10_000;
/** Most hosts one Frontend of a shared listener may claim. */
export const MAX_LISTENER_HOSTS = 100_000;

export const HeaderEditsSnap = O({
  add: Type.Array(O({ name: S, value: S })),
  set: Type.Array(O({ name: S, value: S })),
  remove: Type.Array(S),
});

const ValueMatch = O({ name: S, exact: Opt(S), regex: Opt(S), present: Opt(Bool) });

export const RuleSnap = O({
  name: S,
  match: O({
    host: Opt(S),
    path: Opt(O({ prefix: Opt(S), exact: Opt(S), regex: Opt(S) })),
    methods: Opt(Type.Array(S)),
    headers: Opt(Type.Array(ValueMatch)),
    queryParams: Opt(Type.Array(ValueMatch)),
    sourceCIDRs: Opt(Type.Array(S)),
    sni: Opt(Type.Array(S)),
  }),
  action: Type.Union([
    O({ type: Type.Literal('backend'), backend: S }),
    O({
      type: Type.Literal('redirect'),
      scheme: Opt(Lit('http', 'https')),
      host: Opt(S),
      port: Opt(Int),
      path: Opt(S),
      prefix: Opt(S),
      code: Int,
      stripQuery: Bool,
    }),
    O({ type: Type.Literal('deny'), status: Int, body: Opt(S) }),
  ]),
  requestHeaders: Opt(HeaderEditsSnap),
  responseHeaders: Opt(HeaderEditsSnap),
});

/** PEM material travels inside the snapshot; it is redacted wherever a snapshot is printed. */
export const CertificateSnap = O({ name: S, certPem: S, keyPem: S, serverNames: Type.Array(S) });

export const FrontendSnap = O({
  id: S, // namespace/name
  namespace: S,
  name: S,
  mode: Lit('http', 'tcp'),
  bind: O({ address: S, port: Int }),
  maxConnections: Opt(Int),
  forwardFor: Bool,
  via: Bool,
  timeouts: O({ client: Ms, httpRequest: Ms, keepAlive: Ms }),
  tls: Opt(
    O({
      certificates: Type.Array(CertificateSnap),
      minVersion: Opt(S),
      maxVersion: Opt(S),
      ciphers: Opt(S),
      alpn: Type.Array(S),
      strictSNI: Bool,
      clientAuth: O({ mode: Lit('none', 'optional', 'required'), caPem: Opt(S) }),
    }),
  ),
  rules: Type.Array(RuleSnap),
  defaultBackend: Opt(S), // backend id
  requestHeaders: HeaderEditsSnap,
  responseHeaders: HeaderEditsSnap,
  rateLimit: Opt(O({ requests: Int, periodMs: Ms, key: Lit('source'), status: Int })),
  connectionLimit: Opt(O({ perSource: Int, status: Int })),
  /**
   * Set on every HTTP Frontend of a shared listener (several Frontends on one bind): each travels
   * as its own object, so an edit of one of them changes (and a delta carries) only that one.
   * The owner's settings are the listener's; its rules and every member's rules are scoped to
   * their own Frontend's hosts (docs/architecture.md, "Shared listeners").
   */
  listener: Opt(
    O({
      /** Id of the Frontend that owns the bind (this one's own id on the owner). */
      owner: S,
      /** On the owner only: the ids of the Frontends that joined it, oldest first. */
      members: Opt(Type.Array(S, { maxItems: MAX_LISTENER_MEMBERS })),
      /** The hosts this Frontend claims: its host-less rules and its defaultBackend are scoped to them. */
      hosts: Type.Array(S, { maxItems: MAX_LISTENER_HOSTS }),
      /** The hosts whose catch-all is this Frontend's defaultBackend (an older one named the others). */
      defaultHosts: Type.Array(S, { maxItems: MAX_LISTENER_HOSTS }),
    }),
  ),
});

export const ServerSnap = O({
  name: S,
  address: S,
  port: Int,
  weight: Int,
  backup: Bool,
  maxConnections: Opt(Int),
  state: Lit('ready', 'drain', 'maintenance'),
  cookie: S,
  checkPort: Opt(Int),
  /** Where the server came from: spec.servers, or an EndpointSlice of spec.service. */
  source: Lit('static', 'service'),
});

export const HealthSnap = O({
  policy: S, // HealthPolicy id
  intervalMs: Ms,
  fastIntervalMs: Ms,
  downIntervalMs: Ms,
  timeoutMs: Ms,
  rise: Int,
  fall: Int,
  port: Opt(Int),
  initialState: Lit('up', 'down'),
  http: Opt(
    O({
      method: S,
      path: S,
      host: Opt(S),
      headers: Type.Array(O({ name: S, value: S })),
      expect: O({
        status: Opt(Type.Array(Int)),
        statusRange: Opt(S),
        statusRegex: Opt(S),
        bodyContains: Opt(S),
        bodyRegex: Opt(S),
      }),
    }),
  ),
  passive: Opt(
    O({
      consecutiveErrors: Int,
      onError: Lit('fastinter', 'fail-check', 'sudden-death', 'mark-down'),
      observe: Lit('layer4', 'layer7'),
    }),
  ),
});

/**
 * The balance algorithms: the one list, shared by the API schema (what users write), the
 * snapshot and the dataplane's balancers.
 */
export const ALGORITHMS = [
  'roundrobin',
  'static-rr',
  'leastconn',
  'first',
  'source',
  'uri',
  'url-param',
  'header',
  'random',
] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const BackendSnap = O({
  id: S,
  namespace: S,
  name: S,
  mode: Lit('http', 'tcp'),
  balance: O({
    algorithm: Lit(...ALGORITHMS),
    hashKey: Opt(S),
    hashType: Lit('map-based', 'consistent'),
  }),
  allBackups: Bool,
  servers: Type.Array(ServerSnap),
  health: Opt(HealthSnap),
  persistence: Opt(
    O({
      cookie: Opt(
        O({
          name: S,
          mode: Lit('insert', 'rewrite', 'prefix'),
          indirect: Bool,
          nocache: Bool,
          httpOnly: Bool,
          secure: Bool,
          sameSite: Opt(S),
          maxAgeMs: Opt(Ms),
          domain: Opt(S),
          path: S,
        }),
      ),
      source: Opt(O({ expireMs: Ms })),
    }),
  ),
  timeouts: O({ connect: Ms, server: Ms, queue: Ms, tunnel: Ms }),
  retries: O({ attempts: Int, redispatch: Bool, onResponseTimeout: Bool }),
  maxQueue: Opt(Int),
  keepAlive: Bool,
  slowStartMs: Ms,
  tls: Opt(
    O({
      caPem: Opt(S),
      sni: Opt(S),
      insecureSkipVerify: Bool,
      clientCertPem: Opt(S),
      clientKeyPem: Opt(S),
    }),
  ),
});

export const SnapshotBody = O({
  group: S,
  frontends: Type.Array(FrontendSnap),
  backends: Type.Array(BackendSnap),
});

export type HeaderEditsSnap = Static<typeof HeaderEditsSnap>;
export type RuleSnap = Static<typeof RuleSnap>;
export type FrontendSnap = Static<typeof FrontendSnap>;
export type BackendSnap = Static<typeof BackendSnap>;
export type ServerSnap = Static<typeof ServerSnap>;
export type HealthSnap = Static<typeof HealthSnap>;
export type CertificateSnap = Static<typeof CertificateSnap>;
export type SnapshotBody = Static<typeof SnapshotBody>;

/** A body plus its content address. Deep-frozen once built. */
export interface Snapshot {
  readonly version: string;
  readonly body: Readonly<SnapshotBody>;
}
