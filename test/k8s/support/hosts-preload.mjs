// Test-only name resolution for the processes the Kubernetes tests start: every name under
// `.bascule.test` resolves to 127.0.0.1, like an /etc/hosts entry would.
//
// Why: the API server refuses loopback addresses in EndpointSlices (addressType IPv4/IPv6:
// "may not be in the loopback range"), but accepts FQDN endpoints. The tests' backends listen
// on 127.0.0.1, so their EndpointSlices name them as <pod>.bascule.test (addressType FQDN) and
// the dataplane processes resolve those names through this preload (NODE_OPTIONS=--import).
// Nothing else changes: the dataplane connects with the ordinary net/http stack.
import dns from 'node:dns';

const SUFFIX = '.bascule.test';
const original = dns.lookup;
const matches = (name) => typeof name === 'string' && name.toLowerCase().endsWith(SUFFIX);

dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  if (!matches(hostname)) return original.call(dns, hostname, options, callback);
  const opts = typeof options === 'number' ? { family: options } : (options ?? {});
  const entry = { address: '127.0.0.1', family: 4 };
  process.nextTick(() => (opts.all ? callback(null, [entry]) : callback(null, entry.address, entry.family)));
  return {};
};

const originalPromise = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  if (!matches(hostname)) return originalPromise.call(dns.promises, hostname, options);
  const entry = { address: '127.0.0.1', family: 4 };
  return options?.all ? [entry] : entry;
};
