// "host:port", ":port" or "port" → {host, port}; IPv6 as "[::1]:port".
export function parseAddress(text: string, defaultHost: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:?(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`invalid address "${text}": use HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in "${text}"`);
  return { host: m[1] ?? (m[2] || defaultHost), port };
}
