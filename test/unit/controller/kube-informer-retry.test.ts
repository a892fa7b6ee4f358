// The informer's retry policy, over real sockets against a scripted API server on 127.0.0.1
// (the real kube-apiserver answers 429 + Retry-After only for a while after a restart: the
// chaos suite, test/k8s/chaos.test.ts, covers that end to end). Here each answer is chosen, so
// the sequence of requests can be asserted: resume by resourceVersion after 429, a transport
// error and a normal close; relist only after 410; Retry-After honoured; backoff back to its
// floor once a watch is established again.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { Backoff } from '#controller/kube/backoff';
import { classifyKubeError, KubeHttpError, parseRetryAfter } from '#controller/kube/client';
import { Informer, type InformerOptions } from '#controller/kube/informer';
import { capturingLogger } from '../../support/logger.js';

type Step = (req: IncomingMessage, res: ServerResponse) => void;

interface Seen {
  at: number;
  watch: boolean;
  resourceVersion: string | null;
}

/** An HTTP server that answers the n-th watch with the n-th step (the last one repeats). */
async function scriptedApi(steps: Step[], port = 0): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  let watches = 0;
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const watch = u.searchParams.get('watch') === 'true';
    seen.push({ at: performance.now(), watch, resourceVersion: u.searchParams.get('resourceVersion') });
    if (!watch) return void res.writeHead(404).end(); // lists go through the list function
    steps[Math.min(watches++, steps.length - 1)]!(req, res);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const status = (code: number, reason: string, extra: object = {}) =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message: reason,
    ...extra,
  });

const tooMany =
  (retryAfter: string): Step =>
  (_req, res) =>
    res
      .writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter })
      .end(status(429, 'TooManyRequests'));

const events =
  (...lines: object[]): Step =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders(); // as kube-apiserver does: the watch is established before any event
    for (const l of lines) res.write(`${JSON.stringify(l)}\n`);
    // Stay open a little (established), then end like a server-side timeout.
    setTimeout(() => res.end(), 1200);
  };

const cm = (name: string, rv: string): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

function kubeConfig(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('kube informer retry policy', () => {
  describe('Backoff', () => {
    it('doubles its window from the floor to the ceiling, with equal jitter, and resets to the floor', () => {
      const low = new Backoff({ floorMs: 250, ceilingMs: 4000, random: () => 0 });
      const high = new Backoff({ floorMs: 250, ceilingMs: 4000, random: () => 0.999999 });
      const lows = Array.from({ length: 7 }, () => low.next());
      const highs = Array.from({ length: 7 }, () => high.next());
      expect(lows).to.deep.equal([125, 250, 500, 1000, 2000, 2000, 2000]);
      expect(highs).to.deep.equal([249, 499, 999, 1999, 3999, 3999, 3999]);
      low.reset();
      expect(low.next()).to.equal(125);
      // A lower ceiling for one attempt (the server refuses connections: it is down, not busy).
      expect([low.next(1000), low.next(1000), low.next(1000)]).to.deep.equal([250, 500, 500]);
    });
  });

  describe('classifyKubeError', () => {
    it('reads Retry-After from headers (seconds or a date) and from a Status body', () => {
      expect(parseRetryAfter('3')).to.equal(3000);
      expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString(), Date.now())).to.be.within(3000, 5000);
      expect(parseRetryAfter('soon')).to.equal(undefined);
      const e = classifyKubeError(
        new KubeHttpError(429, status(429, 'TooManyRequests'), { 'retry-after': '1' }),
      );
      expect(e).to.include({ reason: 'throttled', status: 429, retryAfterMs: 1000 });
      // client-node's ApiException: code, body, headers.
      const api = classifyKubeError({
        code: 429,
        body: status(429, 'x', { details: { retryAfterSeconds: 2 } }),
        headers: {},
      });
      expect(api).to.include({ reason: 'throttled', retryAfterMs: 2000 });
    });

    it('tells an absent server (no answer) from an answering one', () => {
      expect(
        classifyKubeError(
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
        ).reason,
      ).to.equal('unreachable');
      expect(classifyKubeError(Object.assign(new Error('t'), { code: 'ETIMEDOUT' })).reason).to.equal(
        'timeout',
      );
      expect(classifyKubeError(new KubeHttpError(410, status(410, 'Expired'), {})).reason).to.equal(
        'expired',
      );
      expect(classifyKubeError(new KubeHttpError(503, '', {})).reason).to.equal('server-error');
      expect(classifyKubeError(new KubeHttpError(403, status(403, 'Forbidden'), {})).reason).to.equal(
        'forbidden',
      );
    });
  });

  describe('Informer', () => {
    let api: Awaited<ReturnType<typeof scriptedApi>> | undefined;
    let inf: Informer<KubernetesObject> | undefined;
    afterEach(async () => {
      await inf?.stop();
      const closed = new Promise<void>((r) => (api ? api.server.close(() => r()) : r()));
      api?.server.closeAllConnections();
      await closed;
    });

    function informer(
      url: string,
      lists: { n: number; rv: string; items: KubernetesObject[]; hang?: number },
      extra: Partial<InformerOptions<KubernetesObject>> = {},
    ) {
      return new Informer<KubernetesObject>({
        kubeConfig: kubeConfig(url),
        name: 'configmaps (test)',
        path: '/api/v1/namespaces/ns/configmaps',
        list: async () => {
          lists.n++;
          // The first `hang` lists never answer (a frozen API server).
          if (lists.n <= (lists.hang ?? 0)) return new Promise<never>(() => {});
          return {
            metadata: { resourceVersion: lists.rv },
            items: lists.items,
          } as KubernetesListObject<KubernetesObject>;
        },
        onEvent: () => {},
        watchTimeoutSeconds: 2,
        backoffBaseMs: 50,
        backoffCapMs: 200,
        ...extra,
      });
    }

    /** Polls until the informer's status matches, or the deadline passes. */
    async function until(what: (s: ReturnType<Informer<KubernetesObject>['status']>) => boolean, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!what(inf!.status()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }

    it('gives up on a list or a watch that gets no answer (a frozen server) and tries again', async () => {
      // Watches: the first is accepted and never answered; the second works.
      api = await scriptedApi([() => {}, events()]);
      const lists = { n: 0, rv: '50', items: [cm('a', '50')], hang: 1 };
      inf = informer(api.url, lists, { requestTimeoutMs: 300 });
      inf.start();
      await inf.synced;
      expect(lists.n, 'the hung list was abandoned and retried').to.equal(2);
      await until((s) => s.watching);
      expect(inf.status()).to.include({ watching: true, failures: 0 });
      expect(inf.status().retries).to.deep.equal({ timeout: 2 });
      expect(api.seen.filter((s) => s.watch).map((s) => s.resourceVersion)).to.deep.equal(['50', '50']);
    });

    it('honours Retry-After on 429 and resumes the watch from its resourceVersion, without relisting', async () => {
      api = await scriptedApi([
        tooMany('1'),
        tooMany('1'),
        events(
          { type: 'ADDED', object: cm('b', '11') },
          { type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } },
        ),
        events(),
      ]);
      const lists = { n: 0, rv: '10', items: [cm('a', '10')] };
      inf = informer(api.url, lists);
      inf.start();
      await inf.synced;
      const deadline = Date.now() + 10_000;
      while (api.seen.filter((s) => s.watch).length < 4 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const w = api.seen.filter((s) => s.watch);
      expect(w.map((s) => s.resourceVersion)).to.deep.equal(['10', '10', '10', '12']);
      expect(w[1]!.at - w[0]!.at, 'waited Retry-After (1 s)').to.be.at.least(1000);
      expect(w[2]!.at - w[1]!.at, 'waited Retry-After (1 s)').to.be.at.least(1000);
      expect(lists.n, 'no relist after 429').to.equal(1);
      expect(
        inf
          .list()
          .map((o) => o.metadata?.name)
          .sort(),
      ).to.deep.equal(['a', 'b']);
      expect(inf.status().retries).to.deep.equal({ throttled: 2 });
    });

    it('relists after 410 Gone (HTTP status or ERROR event), and only then', async () => {
      api = await scriptedApi([
        (_req, res) => res.writeHead(410, { 'content-type': 'application/json' }).end(status(410, 'Expired')),
        events({ type: 'ERROR', object: JSON.parse(status(410, 'Expired')) }),
        events(),
      ]);
      const lists = { n: 0, rv: '20', items: [cm('a', '20')] };
      inf = informer(api.url, lists);
      inf.start();
      await inf.synced;
      lists.items = [cm('c', '30')];
      lists.rv = '30';
      const deadline = Date.now() + 10_000;
      while (api.seen.filter((s) => s.watch).length < 3 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(lists.n, 'one list at start, one after each 410').to.equal(3);
      expect(api.seen.filter((s) => s.watch).map((s) => s.resourceVersion)).to.deep.equal(['20', '30', '30']);
      // The relist replaced the cache: a is gone (deleted), c is there.
      expect(inf.list().map((o) => o.metadata?.name)).to.deep.equal(['c']);
      expect(inf.status().retries).to.deep.equal({ expired: 2 });
    });

    it('resumes after the server vanishes, backs off meanwhile, and is back at its floor once watching', async () => {
      const vanish = async () => {
        api!.server.closeAllConnections();
        await new Promise<void>((r) => api!.server.close(() => r()));
      };
      api = await scriptedApi([events()]);
      const port = Number(new URL(api.url).port);
      const lists = { n: 0, rv: '40', items: [] };
      // A ceiling high enough to tell a reset backoff (25–50 ms first delay) from one that kept
      // the outage's window (500 ms and more: the 1 s ceiling of refused connections). The
      // delays are read from the retry log lines (`retryInMs`, what the informer scheduled), not
      // from a clock, so a loaded machine cannot change the verdict.
      const log = capturingLogger();
      const retryDelays = (from: number) =>
        log
          .lines()
          .slice(from)
          .filter((l) => typeof l.retryInMs === 'number')
          .map((l) => ({ reason: l.reason, failures: l.failures, retryInMs: l.retryInMs as number }));
      inf = informer(api.url, lists, { backoffCapMs: 4000, logger: log.log });
      inf.start();
      await inf.synced;
      // Established: answered 200 and still open a second later.
      await until((s) => s.watching);
      expect(inf.status().watching).to.equal(true);
      // The server goes away: refused connections, retried with backoff; the lag grows.
      const firstOutage = log.lines().length;
      await vanish();
      await until((s) => (s.retries.unreachable ?? 0) >= 6 && s.lagMs >= 2000, 20_000);
      const down = inf.status();
      expect(down.watching).to.equal(false);
      expect(down.lagMs).to.be.at.least(2000);
      expect(down.retries.unreachable ?? 0).to.be.at.least(6);
      expect(down.lastError).to.match(/ECONNREFUSED/);
      // Six failures in, the window has grown to the ceiling of refused connections (1 s).
      const grown = retryDelays(firstOutage);
      expect(grown.length).to.be.at.least(6);
      expect(grown.at(-1)!.retryInMs, 'the outage grew the window').to.be.at.least(500);
      // Back on the same port: the watch resumes from the same resourceVersion, no relist.
      api = await scriptedApi([events()], port);
      await until((s) => s.watching && s.failures === 0, 20_000);
      expect(inf.status()).to.include({ watching: true, failures: 0, lagMs: 0, lastError: null });
      expect(api.seen.filter((s) => s.watch)[0]?.resourceVersion).to.equal('40');
      expect(lists.n).to.equal(1);
      // A second outage starts from the floor again: its first two retries are scheduled 25–50 ms
      // and 50–100 ms out (a backoff that kept its window would wait at least 500 ms before each).
      const before = inf.status().retries.unreachable ?? 0;
      const secondOutage = log.lines().length;
      await vanish();
      await until((s) => (s.retries.unreachable ?? 0) - before >= 2, 20_000);
      const again = retryDelays(secondOutage).slice(0, 2);
      expect(again.map((r) => [r.reason, r.failures])).to.deep.equal([
        ['unreachable', 1],
        ['unreachable', 2],
      ]);
      expect(again[0]!.retryInMs, 'first retry from the floor').to.be.within(25, 49);
      expect(again[1]!.retryInMs, 'second retry, one doubling up').to.be.within(50, 99);
    });
  });
});
