// The churn scenario's objects as the controller reads them (bench/churn.ts writes the same shape
// as files): Backends of one serving server and the rest in maintenance, Frontends of
// ceil(routes / frontends) host + path rules over the Backends, plus the rules an edit added.
// Shared by the in-process harnesses at the churn's size (bench/controller-version.ts,
// bench/dataplane-apply.ts).
import type { SourcedResource } from '#controller/compile/types';

export interface ChurnShape {
  routes: number;
  backends: number;
  frontends: number;
  /** metadata.namespace of every object (none: the directory source's default). */
  namespace?: string;
  /** The servers' ports alternate between this one and the next. */
  serverPort: number;
}

const rulesPer = (s: ChurnShape): number => Math.ceil(s.routes / s.frontends);
const hostsOf = (s: ChurnShape): number => Math.max(1, Math.floor(s.routes / 50));
const meta = (s: ChurnShape, name: string) => (s.namespace ? { name, namespace: s.namespace } : { name });

/** Backend `b${b}` with `servers` servers, all but the last in maintenance. */
export const churnBackend = (s: ChurnShape, b: number, servers: number): SourcedResource => ({
  apiVersion: 'bascule.dev/v1alpha1',
  kind: 'Backend',
  metadata: meta(s, `b${b}`),
  spec: {
    mode: 'http',
    balance: { algorithm: 'roundrobin' },
    servers: Array.from({ length: servers }, (_, i) => ({
      name: `s${i}`,
      address: '127.0.0.1',
      port: s.serverPort + (i % 2),
      ...(i < servers - 1 ? { state: 'maintenance' } : {}),
    })),
  },
});

/** Frontend `f${f}` on `port`, with its share of the routes and one rule per edit in `edits`. */
export const churnFrontend = (
  s: ChurnShape,
  f: number,
  port: number,
  edits: readonly number[],
): SourcedResource => {
  const rules = rulesPer(s);
  const hosts = hostsOf(s);
  return {
    apiVersion: 'bascule.dev/v1alpha1',
    kind: 'Frontend',
    metadata: meta(s, `f${f}`),
    spec: {
      bind: { port, address: '127.0.0.1' },
      mode: 'http',
      rules: [
        ...Array.from({ length: rules }, (_, r) => {
          const i = f * rules + r;
          return {
            name: `r${i}`,
            match: { host: `h${i % hosts}.example.com`, path: { prefix: `/svc${i}/` } },
            backend: `b${i % s.backends}`,
          };
        }),
        ...edits.map((k) => ({
          name: `e${k}`,
          match: { host: `h${(f * rules) % hosts}.example.com`, path: { prefix: `/edit${k}/` } },
          backend: 'b0',
        })),
      ],
    },
  };
};
