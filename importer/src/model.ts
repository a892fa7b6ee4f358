// The intermediate model: what each HAProxy proxy section says, gathered per concern, before
// Bascule names and cross-references are resolved.
import type { FrontendSpecT } from '#api/v1alpha1';
import type { Acls, Condition } from './acl.js';
import type { Section } from './parse.js';
import type { Anchor } from './report.js';
import type { Located, ServerParams, Settings } from './settings.js';

/** A redirect action as the Frontend API spells it. */
export type RedirectSpec = NonNullable<NonNullable<FrontendSpecT['rules']>[number]['redirect']>;

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface TlsOptions {
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  ciphers?: string;
}

/** What the global section sets for every bind and server. */
export interface GlobalSettings {
  crtBase?: string;
  caBase?: string;
  bindTls: TlsOptions;
}

export interface Bind {
  line: number;
  text: string;
  /** '' = any IPv4 address (the Bascule default). */
  host: string;
  port: number;
  ssl: boolean;
  certs: string[];
  alpn?: ('h2' | 'http/1.1')[];
  tls: TlsOptions;
  strictSNI?: boolean;
  verify?: 'none' | 'optional' | 'required';
  caFile?: string;
  /** Bascule Frontend name for this bind. */
  frontendName: string;
}

export type RuleAction =
  | { type: 'backend'; backend: string }
  | { type: 'redirect'; redirect: RedirectSpec }
  | { type: 'deny'; status: number; body?: string; closes?: boolean };

/** Evaluation order of HAProxy rule families; rules are ordered by (phase, line). */
export const PHASE = {
  tcpConnection: 0,
  tcpContent: 1,
  block: 2,
  httpRequest: 3,
  redirect: 4,
  useBackend: 5,
} as const;

export interface RuleSource {
  line: number;
  text: string;
  phase: number;
  action: RuleAction;
  cond?: Condition;
  /** Set when an earlier http-request allow could not be converted: this rule must not be emitted alone. */
  blockedBy?: number;
}

export interface HeaderEdit {
  line: number;
  text: string;
  dir: 'request' | 'response';
  op: 'add' | 'set' | 'remove';
  name: string;
  value?: string;
  cond?: Condition;
}

export interface StickTable {
  line: number;
  text: string;
  /** HAProxy name of the proxy that declares it (tables are named after their proxy). */
  owner: string;
  type: string;
  /** Stored data types: "http_req_rate" → "10s", "conn_cur" → undefined. */
  store: Map<string, string | undefined>;
  expire?: string;
  used: boolean;
}

export interface Track {
  line: number;
  text: string;
  slot: number;
  key: string;
  table?: string;
  conditional: boolean;
  used: boolean;
}

export interface ServerLine {
  line: number;
  text: string;
  name: string;
  host: string;
  port?: number;
  params: ServerParams;
}

export interface Proxy {
  section: Section;
  kind: 'frontend' | 'backend' | 'listen';
  /** The name as written in haproxy.cfg. */
  hname: string;
  settings: Settings;
  disabled?: number;
  acls: Acls;
  fe: {
    /** Bascule name of the Frontend for the first bind. */
    name: string;
    binds: Bind[];
    rules: RuleSource[];
    edits: HeaderEdit[];
    defaultBackend?: Located<string>;
    tracks: Track[];
  };
  be: {
    name: string;
    servers: ServerLine[];
    stick?: { line: number; text: string; table?: string };
  };
  table?: StickTable;
}

export const frontendAnchor = (p: Proxy): Anchor => ({ kind: 'Frontend', name: p.fe.name });
export const backendAnchor = (p: Proxy): Anchor => ({ kind: 'Backend', name: p.be.name });
