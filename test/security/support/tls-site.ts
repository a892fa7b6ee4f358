// The common fixture of the TLS and HTTP/2 security tests: a test CA with a certificate for
// a.example.test, an origin server that answers its name, and an in-process dataplane.
import { TestCa, harness, startBackend, type Harness, type Pem } from '../../e2e/tls/support.js';

export interface TlsSite {
  ca: TestCa;
  cert: Pem;
  origin: Awaited<ReturnType<typeof startBackend>>;
  h: Harness;
  close(): Promise<void>;
}

export async function tlsSite(originName: string): Promise<TlsSite> {
  const ca = new TestCa();
  const cert = ca.issue({ dns: ['a.example.test'] });
  const origin = await startBackend(originName);
  const h = await harness();
  return {
    ca,
    cert,
    origin,
    h,
    close: async () => {
      await h.close();
      await origin.close();
      ca.cleanup();
    },
  };
}
