// API clients that keep their connections to the API server.
//
// client-node's KubeConfig.makeApiClient authenticates every request through
// applySecurityAuthentication, which makes a new https.Agent each time: every request (a status
// patch, a Lease renewal, a list) opened a new TLS connection, with a new SecureContext (the CA
// parsed again) and a full handshake on both sides. Under churn at 5,000 routes that was ~5 s of
// the controller's ~17 s of CPU over a 34 s run (TLS setup and certificate checks), and the same
// handshakes on the API server's side.
//
// Here every request still goes through client-node's own authentication (the bearer token is
// read again each time, so rotated service-account tokens and exec plugins keep working), and
// the agent it made is then swapped for one kept-alive agent per distinct set of TLS options
// (the CA, client certificate and key, verification, server name). A proxy agent, or anything
// that is not a plain http/https Agent, is left as client-node made it.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  createConfiguration,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';

/**
 * Idle connections are closed after this long: before a server or a proxy in front of it drops
 * them (idle timeouts of 60-90 s are common), so a request rarely meets a connection closing.
 */
export const IDLE_SOCKET_MS = 30_000;
/** Idle connections kept per agent (the controller's requests are mostly one at a time). */
const MAX_FREE_SOCKETS = 4;

/** The TLS options of an agent that decide which connections it may reuse. */
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

type AgentOptions = Record<string, unknown>;

/**
 * Swaps the per-request agent client-node makes for a shared kept-alive one. Counters say how
 * often it did (`shared`) and when it could not (`kept`: a proxy agent or an agent without the
 * options it is made from); tests read them.
 */
export class SharedAgentAuth implements SecurityAuthentication {
  private agent: HttpAgent | undefined;
  private key: string | undefined;
  readonly stats = { shared: 0, kept: 0, agents: 0 };

  constructor(private readonly kc: KubeConfig) {}

  getName(): string {
    return 'default';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
    const made = context.getAgent();
    const shared = made && this.sharedFor(made);
    if (!shared) {
      this.stats.kept++;
      return;
    }
    // The agent client-node made was never used: nothing to close.
    context.setAgent(shared);
    this.stats.shared++;
  }

  /** The shared agent for the options `made` was built with; undefined to keep `made`. */
  private sharedFor(made: HttpAgent): HttpAgent | undefined {
    const isHttps = made instanceof HttpsAgent;
    // Exactly the two Node agents: a proxy agent subclasses them with its own connect logic.
    const proto = Object.getPrototypeOf(made) as object;
    if (proto !== HttpsAgent.prototype && proto !== HttpAgent.prototype) return undefined;
    const options = (made as unknown as { options?: AgentOptions }).options;
    if (!options || typeof options !== 'object') return undefined;
    const key = optionsKey(isHttps, options);
    if (this.agent && this.key === key) return this.agent;
    // Credentials changed (a rotated client certificate): new connections from now on.
    this.agent?.destroy();
    const tls: AgentOptions = {};
    for (const k of TLS_KEYS) if (options[k] !== undefined) tls[k] = options[k];
    const settings = { keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, timeout: IDLE_SOCKET_MS };
    this.agent = isHttps ? new HttpsAgent({ ...tls, ...settings }) : new HttpAgent(settings);
    this.key = key;
    this.stats.agents++;
    return this.agent;
  }

  /** Closes the idle connections (the process is stopping). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
    this.key = undefined;
  }
}

function optionsKey(isHttps: boolean, options: AgentOptions): string {
  const part = (v: unknown): unknown =>
    Buffer.isBuffer(v) ? v.toString('base64') : Array.isArray(v) ? v.map(part) : v;
  return JSON.stringify([isHttps, ...TLS_KEYS.map((k) => part(options[k]) ?? null)]);
}

/** Configurations by KubeConfig: every client of one configuration shares its connections. */
const auths = new WeakMap<KubeConfig, SharedAgentAuth>();

/** The shared authentication of `kc` (its counters, and close()). */
export function sharedAuthOf(kc: KubeConfig): SharedAgentAuth {
  let auth = auths.get(kc);
  if (!auth) auths.set(kc, (auth = new SharedAgentAuth(kc)));
  return auth;
}

/** Like kc.makeApiClient(Api), with connections kept between requests. */
export function makeApiClient<T>(kc: KubeConfig, api: new (config: Configuration) => T): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: sharedAuthOf(kc) },
  });
  return new api(config);
}
