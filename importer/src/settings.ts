// What defaults and proxies accumulate from their directives (the settings model), and where a
// directive is being applied. The directives themselves live one family per file: timeouts.ts,
// balance.ts, cookie.ts, options.ts, health-checks.ts, server-options.ts, and
// common-directives.ts dispatches among them.
import type { Algorithm } from '#api/v1alpha1';
import type { Anchor, Reporter } from './report.js';

export interface Located<T> {
  value: T;
  line: number;
}

export type TimeoutKey =
  'client' | 'httpRequest' | 'keepAlive' | 'connect' | 'server' | 'queue' | 'tunnel' | 'check';

export interface CookieSettings {
  name: string;
  mode: 'insert' | 'rewrite' | 'prefix';
  indirect?: boolean;
  nocache?: boolean;
  httpOnly?: boolean;
  secure?: boolean;
  domain?: string;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

export interface HttpCheck {
  type: 'http';
  method: string;
  path: string;
  host?: string;
  headers: { name: string; value: string }[];
}

export type CheckSettings = HttpCheck | { type: 'tcp' };

export interface Expect {
  status?: number[];
  statusRange?: string;
  statusRegex?: string;
  bodyContains?: string;
  bodyRegex?: string;
}

export interface ServerParams {
  weight?: number;
  backup?: boolean;
  disabled?: boolean;
  maxconn?: number;
  cookie?: string;
  check?: boolean;
  inter?: string;
  fastinter?: string;
  downinter?: string;
  rise?: number;
  fall?: number;
  port?: number;
  slowstart?: string;
  ssl?: boolean;
  verify?: 'none' | 'required';
  caFile?: string;
  sni?: string;
  observe?: 'layer4' | 'layer7';
  errorLimit?: number;
  onError?: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';
}

export interface Settings {
  mode?: Located<'http' | 'tcp'>;
  maxconn?: Located<number>;
  timeouts: Partial<Record<TimeoutKey, Located<string>>>;
  retries?: Located<number>;
  redispatch?: Located<boolean>;
  keepAlive?: Located<boolean>;
  forwardFor?: Located<boolean>;
  balance?: Located<{ algorithm: Algorithm; hashKey?: string }>;
  hashType?: Located<'map-based' | 'consistent'>;
  cookie?: Located<CookieSettings>;
  check?: Located<CheckSettings>;
  expect?: Located<Expect>;
  defaultServer: ServerParams;
  allBackups?: Located<boolean>;
}

export const emptySettings = (): Settings => ({ timeouts: {}, defaultServer: {} });

/** Where a directive is being applied: what kind of section, and who gets its messages. */
export interface Scope {
  kind: 'defaults' | 'frontend' | 'backend' | 'listen';
  report: Reporter;
  /** Anchors for frontend-side and backend-side messages. */
  frontendAnchors: Anchor[];
  backendAnchors: Anchor[];
}

export const LOGGING =
  'access logging is dataplane-wide in Bascule (JSON lines on stdout): there is no per-proxy log setting';
export const STATS =
  'the statistics page is a dataplane admin feature in Bascule, not a resource: the admin endpoint (bascule dataplane --admin ADDR) serves /stats and /metrics';

export const isFrontendSide = (kind: Scope['kind']) => kind !== 'backend';
export const isBackendSide = (kind: Scope['kind']) => kind !== 'frontend';
