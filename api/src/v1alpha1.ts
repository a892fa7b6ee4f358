// The v1alpha1 API of group bascule.dev: the single source for the CRD YAML (crds/),
// the ajv validators used off-cluster, and the TypeScript types.
import { Type, type Static } from '@sinclair/typebox';
import { ALGORITHMS, type Algorithm } from '#protocol/snapshot';
import {
  Bool,
  cel,
  Duration,
  Enum,
  Int,
  IntOrString,
  List,
  Obj,
  PATH_PATTERN,
  Port,
  Ref,
  Regex,
  Str,
} from './schema-helpers.js';

export const GROUP = 'bascule.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

// ---------- shared pieces ----------

const HeaderValue = Obj('A header name and value.', {
  name: Str('Header name (case-insensitive).', {
    minLength: 1,
    maxLength: 256,
    pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
  }),
  value: Str('Header value.', { maxLength: 4096 }),
});

export const HeaderEdits = Obj(
  'Header edits, applied in the order remove, set, add (HAProxy http-request del-header / set-header / add-header).',
  {
    add: Type.Optional(
      List('Headers appended (an existing header of the same name is kept).', HeaderValue, 32),
    ),
    set: Type.Optional(
      List('Headers set (replacing any existing header of the same name).', HeaderValue, 32),
    ),
    remove: Type.Optional(List('Header names removed.', Str('Header name.', { maxLength: 256 }), 32)),
  },
);

const HeaderMatch = Obj(
  'Matches a request header. Exactly one of exact, regex or present.',
  {
    name: Str('Header name (case-insensitive).', { minLength: 1, maxLength: 256 }),
    exact: Type.Optional(Str('The header value equals this string.', { maxLength: 4096 })),
    regex: Type.Optional(Regex('The header value matches this regular expression.')),
    present: Type.Optional(Bool('The header is present (true) or absent (false).')),
  },
  cel({
    rule: '[has(self.exact), has(self.regex), has(self.present)].filter(x, x).size() == 1',
    message: 'exactly one of exact, regex or present must be set',
  }),
);

const QueryParamMatch = Obj(
  'Matches a query parameter. Exactly one of exact, regex or present.',
  {
    name: Str('Query parameter name.', { minLength: 1, maxLength: 256 }),
    exact: Type.Optional(Str('The parameter value equals this string.', { maxLength: 4096 })),
    regex: Type.Optional(Regex('The parameter value matches this regular expression.')),
    present: Type.Optional(Bool('The parameter is present (true) or absent (false).')),
  },
  cel({
    rule: '[has(self.exact), has(self.regex), has(self.present)].filter(x, x).size() == 1',
    message: 'exactly one of exact, regex or present must be set',
  }),
);

const PathMatch = Obj(
  'Matches the request path (without the query string). Exactly one of prefix, exact or regex.',
  {
    prefix: Type.Optional(
      Str('The path starts with this string (HAProxy path_beg); starts with "/".', {
        maxLength: 1024,
        pattern: PATH_PATTERN,
      }),
    ),
    exact: Type.Optional(
      Str('The path equals this string (HAProxy path); starts with "/".', {
        maxLength: 1024,
        pattern: PATH_PATTERN,
      }),
    ),
    regex: Type.Optional(Regex('The path matches this regular expression (HAProxy path_reg).')),
  },
  cel({
    rule: '[has(self.prefix), has(self.exact), has(self.regex)].filter(x, x).size() == 1',
    message: 'exactly one of prefix, exact or regex must be set',
  }),
);

export const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;

const Redirect = Obj(
  'Answer with an HTTP redirect instead of proxying (HAProxy redirect / http-request redirect).',
  {
    scheme: Type.Optional(
      Enum('Scheme of the Location (e.g. https for "redirect scheme https").', ['http', 'https'] as const),
    ),
    host: Type.Optional(Str('Host of the Location; the request host when unset.')),
    port: Type.Optional(Port('Port of the Location; the default port of the scheme when unset.')),
    path: Type.Optional(Str('Replace the whole path (HAProxy redirect location).', { maxLength: 1024 })),
    prefix: Type.Optional(Str('Prepend this to the path (HAProxy redirect prefix).', { maxLength: 1024 })),
    code: Type.Optional(
      Type.Unsafe<number>({
        type: 'integer',
        enum: [...REDIRECT_CODES],
        default: 302,
        description: 'Status code: 301, 302, 303, 307 or 308.',
      }),
    ),
    stripQuery: Type.Optional(Bool('Drop the query string from the Location.')),
  },
);

const Deny = Obj('Answer with an error status instead of proxying (HAProxy http-request deny).', {
  status: Int('Status code.', { minimum: 200, maximum: 599, default: 403 }),
  body: Type.Optional(Str('Response body.', { maxLength: 4096 })),
});

const RuleMatch = Obj('Conditions of a rule; all that are set must hold (logical AND).', {
  host: Type.Optional(
    Str('Request host: exact ("shop.example.com") or a wildcard suffix ("*.example.com"). Port is ignored.', {
      pattern: '^(\\*\\.)?[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$',
    }),
  ),
  path: Type.Optional(PathMatch),
  methods: Type.Optional(
    List('Request methods (any of).', Str('Method.', { maxLength: 32, pattern: '^[A-Z]+$' }), 16),
  ),
  headers: Type.Optional(List('Header conditions (all of).', HeaderMatch, 16)),
  queryParams: Type.Optional(List('Query parameter conditions (all of).', QueryParamMatch, 16)),
  sourceCIDRs: Type.Optional(
    List(
      'Client address in any of these CIDRs (HAProxy src).',
      Str('CIDR or address, IPv4 or IPv6.', { maxLength: 64 }),
      64,
    ),
  ),
  sni: Type.Optional(
    List(
      'TLS server names of the ClientHello (mode tcp: passthrough, or after terminating): exact or "*.suffix". The names a tcp Frontend claims this way are how it shares a port with other tcp Frontends.',
      Str('Server name.', { maxLength: 253, pattern: '^(\\*\\.)?[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$' }),
      32,
    ),
  ),
});

const Rule = Obj(
  'A routing rule: when match holds, take exactly one action (backend, redirect or deny).',
  {
    name: Str('Name of the rule, unique within the frontend.', {
      minLength: 1,
      maxLength: 63,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    }),
    match: Type.Optional(RuleMatch),
    backend: Type.Optional(Ref('Backend (same namespace) that serves matching requests.')),
    redirect: Type.Optional(Redirect),
    deny: Type.Optional(Deny),
    requestHeaders: Type.Optional(HeaderEdits),
    responseHeaders: Type.Optional(HeaderEdits),
  },
  cel({
    rule: '[has(self.backend), has(self.redirect), has(self.deny)].filter(x, x).size() == 1',
    message: 'exactly one of backend, redirect or deny must be set',
  }),
);

const Certificate = Obj(
  'A certificate and private key: from a kubernetes.io/tls Secret, or (standalone) from files.',
  {
    secretName: Type.Optional(Ref('Secret of type kubernetes.io/tls in the same namespace.')),
    certFile: Type.Optional(Str('Path of a PEM certificate chain (standalone mode).', { maxLength: 1024 })),
    keyFile: Type.Optional(Str('Path of a PEM private key (standalone mode).', { maxLength: 1024 })),
  },
  cel({
    rule: 'has(self.secretName) != (has(self.certFile) && has(self.keyFile))',
    message: 'set either secretName, or both certFile and keyFile',
  }),
);

const TlsVersion = (d: string) => Enum(d, ['TLSv1.2', 'TLSv1.3'] as const);

const FrontendTls = Obj('TLS termination (HAProxy bind ... ssl crt).', {
  certificates: List(
    'Certificates; picked by SNI (exact, then wildcard); the first is the default.',
    Certificate,
    64,
    { minItems: 1 },
  ),
  minVersion: Type.Optional(TlsVersion('Lowest TLS version accepted.')),
  maxVersion: Type.Optional(TlsVersion('Highest TLS version accepted.')),
  ciphers: Type.Optional(Str('OpenSSL cipher list for TLS 1.2.', { maxLength: 2048 })),
  alpn: Type.Optional(
    List(
      'ALPN protocols offered, in order of preference.',
      Enum('Protocol.', ['h2', 'http/1.1'] as const),
      2,
    ),
  ),
  strictSNI: Type.Optional(Bool('Refuse handshakes whose SNI matches no certificate (HAProxy strict-sni).')),
  clientAuth: Type.Optional(
    Obj('Client certificate validation (mTLS).', {
      mode: Enum('none, optional (verify when presented) or required.', [
        'none',
        'optional',
        'required',
      ] as const),
      caSecretName: Type.Optional(Ref('Secret with key ca.crt holding the CA bundle.')),
      caFile: Type.Optional(Str('Path of a PEM CA bundle (standalone mode).', { maxLength: 1024 })),
    }),
  ),
});

const FrontendTimeouts = Obj('Client-side timeouts.', {
  client: Type.Optional(Duration('Inactivity timeout on the client side (HAProxy timeout client).')),
  httpRequest: Type.Optional(
    Duration('Time allowed to receive a complete request head (HAProxy timeout http-request).'),
  ),
  keepAlive: Type.Optional(
    Duration(
      'Idle time allowed between requests on a kept-alive connection (HAProxy timeout http-keep-alive).',
    ),
  ),
});

export const FrontendSpec = Obj(
  'A listening socket and how its traffic is routed (HAProxy frontend).',
  {
    dataplaneGroup: Type.Optional(
      Str('Dataplane group that serves this frontend.', {
        default: 'default',
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
        maxLength: 63,
      }),
    ),
    bind: Obj('Where to listen.', {
      port: Port('TCP port.'),
      address: Type.Optional(Str('Address to bind (IPv4 or IPv6).', { default: '0.0.0.0', maxLength: 64 })),
    }),
    allowedNamespaces: Type.Optional(
      List(
        'Namespaces whose Frontends may share this bind when this Frontend owns it (the oldest on the address:port): names, or "*" for all. Its own namespace always may. Like Gateway API allowedRoutes.',
        Str('Namespace name, or "*".', {
          minLength: 1,
          maxLength: 63,
          pattern: '^(\\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$',
        }),
        64,
      ),
    ),
    mode: Type.Optional(Enum('http (L7) or tcp (L4).', ['http', 'tcp'] as const, { default: 'http' })),
    maxConnections: Type.Optional(
      Int(
        'Concurrent client connections accepted (HAProxy maxconn); further connections wait in the kernel backlog.',
        { minimum: 1 },
      ),
    ),
    forwardFor: Type.Optional(Bool('Add X-Forwarded-For/-Proto/-Host/-Port (HAProxy option forwardfor).')),
    via: Type.Optional(Bool('Add a Via header to requests and responses.')),
    timeouts: Type.Optional(FrontendTimeouts),
    tls: Type.Optional(FrontendTls),
    rules: Type.Optional(
      List('Ordered rules; the first that matches wins.', Rule, 256, {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
    defaultBackend: Type.Optional(Ref('Backend used when no rule matches (HAProxy default_backend).')),
    requestHeaders: Type.Optional(HeaderEdits),
    responseHeaders: Type.Optional(HeaderEdits),
    rateLimit: Type.Optional(
      Obj('Per-client request rate limit (HAProxy stick-table http_req_rate + deny).', {
        requests: Int('Requests allowed per period.', { minimum: 1 }),
        period: Duration('Sliding window.'),
        key: Type.Optional(Enum('What identifies a client.', ['source'] as const, { default: 'source' })),
        status: Type.Optional(
          Int('Status returned past the limit.', { minimum: 400, maximum: 599, default: 429 }),
        ),
      }),
    ),
    connectionLimit: Type.Optional(
      Obj('Per-client concurrent connection limit (HAProxy conn_cur).', {
        perSource: Int('Concurrent connections per client address.', { minimum: 1 }),
        status: Type.Optional(
          Int('Status returned (HTTP mode) past the limit; TCP connections are closed.', {
            minimum: 400,
            maximum: 599,
            default: 429,
          }),
        ),
      }),
    ),
  },
  cel(
    {
      rule: "self.mode != 'tcp' || has(self.defaultBackend) || (has(self.rules) && size(self.rules) > 0)",
      message: 'a tcp frontend needs defaultBackend or rules',
      fieldPath: '.defaultBackend',
    },
    {
      rule: "self.mode != 'tcp' || !has(self.requestHeaders)",
      message: 'requestHeaders need mode http',
      fieldPath: '.requestHeaders',
    },
    {
      rule: "self.mode != 'tcp' || !has(self.responseHeaders)",
      message: 'responseHeaders need mode http',
      fieldPath: '.responseHeaders',
    },
  ),
);

// ---------- Backend ----------

export { ALGORITHMS, type Algorithm };

const Server = Obj('A server (HAProxy server line).', {
  name: Str('Server name, unique within the backend.', {
    minLength: 1,
    maxLength: 63,
    pattern: '^[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$',
  }),
  address: Str('IP address or host name.', { minLength: 1 }),
  port: Port('Port.'),
  weight: Type.Optional(
    Int('Relative weight 0..256; 0 takes no new traffic.', { minimum: 0, maximum: 256, default: 1 }),
  ),
  backup: Type.Optional(Bool('Used only when no regular server is up.')),
  maxConnections: Type.Optional(
    Int('Concurrent connections; further requests queue (HAProxy maxconn).', { minimum: 1 }),
  ),
  state: Type.Optional(
    Enum(
      'ready, drain (no new traffic except persistent clients) or maintenance (no traffic).',
      ['ready', 'drain', 'maintenance'] as const,
      { default: 'ready' },
    ),
  ),
  cookie: Type.Optional(
    Str('Value of the persistence cookie for this server; the server name when unset.', {
      maxLength: 128,
      pattern: '^[A-Za-z0-9._~-]+$',
    }),
  ),
  checkPort: Type.Optional(Port('Port for health checks, when not the traffic port.')),
});

const CookiePersistence = Obj('Cookie persistence (HAProxy cookie).', {
  name: Str('Cookie name.', { minLength: 1, maxLength: 128, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }),
  mode: Type.Optional(
    Enum(
      "insert (Bascule sets it), rewrite (replaces the server's cookie value) or prefix (prepends to it).",
      ['insert', 'rewrite', 'prefix'] as const,
      { default: 'insert' },
    ),
  ),
  indirect: Type.Optional(
    Bool('Do not send the cookie to the server when the client already has it (insert mode).'),
  ),
  nocache: Type.Optional(Bool('Add Cache-Control: private when setting the cookie.')),
  httpOnly: Type.Optional(Bool('Set the HttpOnly attribute.')),
  secure: Type.Optional(Bool('Set the Secure attribute.')),
  sameSite: Type.Optional(Enum('SameSite attribute.', ['Strict', 'Lax', 'None'] as const)),
  maxAge: Type.Optional(Duration('Max-Age attribute; a session cookie when unset.')),
  domain: Type.Optional(Str('Domain attribute.')),
  path: Type.Optional(Str('Path attribute.', { default: '/' })),
});

export const BackendSpec = Obj(
  'A pool of servers and how to balance across them (HAProxy backend).',
  {
    mode: Type.Optional(
      Enum('http or tcp; must match the frontends that use it.', ['http', 'tcp'] as const, {
        default: 'http',
      }),
    ),
    balance: Type.Optional(
      Obj(
        'Load-balancing algorithm (HAProxy balance).',
        {
          algorithm: Enum(`One of ${ALGORITHMS.join(', ')}.`, ALGORITHMS, { default: 'roundrobin' }),
          hashKey: Type.Optional(
            Str('Header name (header) or query parameter (url-param) to hash.', { maxLength: 256 }),
          ),
          hashType: Type.Optional(
            Enum(
              'map-based (modulo) or consistent (moves ~1/N of keys when a server leaves).',
              ['map-based', 'consistent'] as const,
              { default: 'map-based' },
            ),
          ),
        },
        cel({
          rule: "!(self.algorithm in ['header', 'url-param']) || has(self.hashKey)",
          message: 'hashKey is required for algorithms header and url-param',
          fieldPath: '.hashKey',
        }),
      ),
    ),
    allBackups: Type.Optional(
      Bool('Use all backup servers at once, not only the first (HAProxy option allbackups).'),
    ),
    servers: Type.Optional(
      List('Static servers.', Server, 1024, {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
    service: Type.Optional(
      Obj('Discover servers from the ready endpoints of a Service (EndpointSlices).', {
        name: Ref('Service name (same namespace).'),
        port: IntOrString('Service port, by number or name.'),
      }),
    ),
    healthPolicy: Type.Optional(Ref('HealthPolicy (same namespace) for active and passive checks.')),
    persistence: Type.Optional(
      Obj(
        'Session persistence: cookie or source (not both).',
        {
          cookie: Type.Optional(CookiePersistence),
          source: Type.Optional(
            Obj('Stick on the client address (HAProxy stick on src).', {
              expire: Type.Optional(
                Duration('Idle time after which an entry is forgotten.', { default: '30m' }),
              ),
            }),
          ),
        },
        cel({
          rule: '!(has(self.cookie) && has(self.source))',
          message: 'set cookie or source persistence, not both',
        }),
      ),
    ),
    timeouts: Type.Optional(
      Obj('Server-side timeouts.', {
        connect: Type.Optional(
          Duration('Time to establish a connection to a server (HAProxy timeout connect).'),
        ),
        server: Type.Optional(
          Duration('Inactivity timeout waiting for the server (HAProxy timeout server).'),
        ),
        queue: Type.Optional(Duration('Time a request may wait in the queue (HAProxy timeout queue).')),
        tunnel: Type.Optional(
          Duration('Inactivity timeout of WebSocket and TCP tunnels (HAProxy timeout tunnel).'),
        ),
      }),
    ),
    retries: Type.Optional(
      Obj('Retries on connection failure (HAProxy retries, option redispatch).', {
        attempts: Int('Extra attempts after the first.', { minimum: 0, maximum: 10, default: 3 }),
        redispatch: Type.Optional(Bool('Retry on another server (HAProxy option redispatch).')),
        onResponseTimeout: Type.Optional(
          Bool('Also retry idempotent requests when the server times out before answering.'),
        ),
      }),
    ),
    maxQueue: Type.Optional(
      Int("Requests allowed to wait in this backend's queue; past it, 503.", { minimum: 0 }),
    ),
    keepAlive: Type.Optional(
      Bool('Reuse server connections; false closes after each response (HAProxy option httpclose).', {
        default: true,
      }),
    ),
    slowStart: Type.Optional(
      Duration("Ramp a recovered server's weight up over this window (HAProxy slowstart)."),
    ),
    tls: Type.Optional(
      Obj('TLS towards the servers.', {
        caSecretName: Type.Optional(Ref('Secret with key ca.crt used to verify servers.')),
        caFile: Type.Optional(Str('PEM CA bundle (standalone mode).', { maxLength: 1024 })),
        sni: Type.Optional(Str('Server name sent and verified; the server address when unset.')),
        insecureSkipVerify: Type.Optional(Bool('Do not verify server certificates (testing only).')),
        clientCertificate: Type.Optional(Certificate),
      }),
    ),
  },
  cel({ rule: 'has(self.servers) || has(self.service)', message: 'set servers, service, or both' }),
);

// ---------- HealthPolicy ----------

export const ON_ERROR = ['fastinter', 'fail-check', 'sudden-death', 'mark-down'] as const;

export const HealthPolicySpec = Obj(
  'Active and passive health checking (HAProxy check, option httpchk, observe).',
  {
    interval: Type.Optional(
      Duration('Time between checks of a healthy server (HAProxy inter).', { default: '2s' }),
    ),
    fastInterval: Type.Optional(
      Duration(
        'Time between checks while a server is changing state (HAProxy fastinter); interval when unset.',
      ),
    ),
    downInterval: Type.Optional(
      Duration('Time between checks of a down server (HAProxy downinter); interval when unset.'),
    ),
    timeout: Type.Optional(
      Duration('Time allowed for one check (HAProxy timeout check).', { default: '1s' }),
    ),
    rise: Type.Optional(
      Int('Consecutive successes to mark a server up.', { minimum: 1, maximum: 100, default: 2 }),
    ),
    fall: Type.Optional(
      Int('Consecutive failures to mark a server down.', { minimum: 1, maximum: 100, default: 3 }),
    ),
    port: Type.Optional(Port('Port for checks, when not the traffic port.')),
    initialState: Type.Optional(
      Enum('State of a server before its first check.', ['up', 'down'] as const, { default: 'up' }),
    ),
    http: Type.Optional(
      Obj('HTTP check; omit for a TCP connect check.', {
        method: Type.Optional(Str('Method.', { default: 'GET', pattern: '^[A-Z]+$', maxLength: 16 })),
        path: Type.Optional(Str('Path.', { default: '/', maxLength: 1024 })),
        host: Type.Optional(Str('Host header.')),
        headers: Type.Optional(List('Extra request headers.', HeaderValue, 16)),
        expect: Type.Optional(
          Obj('What makes a response healthy (HAProxy http-check expect).', {
            status: Type.Optional(
              List('Accepted status codes.', Int('Status.', { minimum: 100, maximum: 599 }), 32),
            ),
            statusRange: Type.Optional(
              Str('Accepted range such as "200-399".', {
                pattern: '^[1-5][0-9][0-9]-[1-5][0-9][0-9]$',
                maxLength: 7,
              }),
            ),
            statusRegex: Type.Optional(
              Regex('Regular expression on the status code (HAProxy rstatus).', 256),
            ),
            bodyContains: Type.Optional(
              Str('The body contains this string (HAProxy string).', { maxLength: 1024 }),
            ),
            bodyRegex: Type.Optional(Regex('The body matches this regular expression (HAProxy rstring).')),
          }),
        ),
      }),
    ),
    passive: Type.Optional(
      Obj('Passive checks on live traffic (HAProxy observe + error-limit + on-error).', {
        consecutiveErrors: Int('Consecutive errors that trigger onError.', { minimum: 1, default: 5 }),
        onError: Type.Optional(
          Enum('fastinter, fail-check, sudden-death or mark-down.', ON_ERROR, { default: 'mark-down' }),
        ),
        observe: Type.Optional(
          Enum('layer4 (connection errors) or layer7 (also 5xx responses).', ['layer4', 'layer7'] as const, {
            default: 'layer7',
          }),
        ),
      }),
    ),
  },
);

// ---------- status ----------

const Condition = Obj('A status condition.', {
  type: Str('Accepted, ResolvedRefs or Programmed.'),
  status: Enum('True, False or Unknown.', ['True', 'False', 'Unknown'] as const),
  reason: Str('Machine-readable reason in CamelCase.'),
  message: Str('Human-readable explanation.', { maxLength: 32768 }),
  lastTransitionTime: Str('When the status last changed.', { format: 'date-time' }),
  observedGeneration: Type.Optional(Int('Generation the condition was computed from.')),
});

export const Status = Obj('Observed state, written by the controller.', {
  observedGeneration: Type.Optional(Int('Generation last processed.')),
  conditions: Type.Optional(
    List('Conditions.', Condition, 8, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
  ),
  healthyServers: Type.Optional(
    Str('Backend only: healthy/total servers as seen by the dataplanes, e.g. "2/3".'),
  ),
  servers: Type.Optional(
    List(
      'Backend only: per-server health summary.',
      Obj('Server health.', {
        name: Str('Server name.'),
        address: Str('Address:port.'),
        state: Str('up, down, drain, maintenance, or mixed when dataplanes disagree.'),
        dataplanes: Str('How many dataplanes see it up, e.g. "2/2 up".'),
      }),
      1024,
    ),
  ),
});

export type FrontendSpecT = Static<typeof FrontendSpec>;
export type BackendSpecT = Static<typeof BackendSpec>;
export type HealthPolicySpecT = Static<typeof HealthPolicySpec>;
export type StatusT = Static<typeof Status>;
export type HeaderEditsT = Static<typeof HeaderEdits>;

export interface KindDef {
  kind: 'Frontend' | 'Backend' | 'HealthPolicy';
  plural: string;
  singular: string;
  shortNames: string[];
  spec: typeof FrontendSpec | typeof BackendSpec | typeof HealthPolicySpec;
  printerColumns: { name: string; type: string; jsonPath: string; description: string; priority?: number }[];
}

const condCol = (t: string) => ({
  name: t,
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=="${t}")].status`,
  description: `${t} condition`,
});
const age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age' };

export const KINDS: KindDef[] = [
  {
    kind: 'Frontend',
    plural: 'frontends',
    singular: 'frontend',
    shortNames: ['fe'],
    spec: FrontendSpec,
    printerColumns: [
      { name: 'Port', type: 'integer', jsonPath: '.spec.bind.port', description: 'Listening port' },
      { name: 'Mode', type: 'string', jsonPath: '.spec.mode', description: 'http or tcp' },
      {
        name: 'Group',
        type: 'string',
        jsonPath: '.spec.dataplaneGroup',
        description: 'Dataplane group',
        priority: 1,
      },
      condCol('Accepted'),
      condCol('Programmed'),
      age,
    ],
  },
  {
    kind: 'Backend',
    plural: 'backends',
    singular: 'backend',
    shortNames: ['be'],
    spec: BackendSpec,
    printerColumns: [
      {
        name: 'Algorithm',
        type: 'string',
        jsonPath: '.spec.balance.algorithm',
        description: 'Balancing algorithm',
      },
      { name: 'Healthy', type: 'string', jsonPath: '.status.healthyServers', description: 'Healthy servers' },
      condCol('Accepted'),
      condCol('ResolvedRefs'),
      condCol('Programmed'),
      age,
    ],
  },
  {
    kind: 'HealthPolicy',
    plural: 'healthpolicies',
    singular: 'healthpolicy',
    shortNames: ['hp'],
    spec: HealthPolicySpec,
    printerColumns: [
      { name: 'Interval', type: 'string', jsonPath: '.spec.interval', description: 'Check interval' },
      { name: 'Rise', type: 'integer', jsonPath: '.spec.rise', description: 'Rise' },
      { name: 'Fall', type: 'integer', jsonPath: '.spec.fall', description: 'Fall' },
      { name: 'HTTP', type: 'string', jsonPath: '.spec.http.path', description: 'HTTP check path' },
      condCol('Accepted'),
      age,
    ],
  },
];

export type Kind = KindDef['kind'];

/** A resource as read from the API server or a YAML file. */
export interface Resource<S = unknown> {
  apiVersion: string;
  kind: Kind;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    uid?: string;
    resourceVersion?: string;
    /** Set by the API server; decides which of two conflicting Frontends wins (the older). */
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: S;
  status?: StatusT;
}
