// Controller URL handling: accept a base URL ("wss://controller:8443") or the full channel URL,
// and never show credentials when printing it.
import { CHANNEL_PATH } from '#protocol/channel';

export function channelUrl(raw: string): URL {
  const url = new URL(raw);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`controller URL must be ws:// or wss:// (got ${url.protocol}//)`);
  }
  if (url.pathname === '' || url.pathname === '/') url.pathname = CHANNEL_PATH;
  return url;
}

/** For logs and /status: no userinfo, no query (either could carry a secret). */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.search = '';
  return copy.href;
}

/**
 * Several controller replicas: a comma-separated list of URLs. The channel uses one at a time
 * and moves to the next whenever a connection closes or fails, so a dataplane fails over to
 * another replica (which serves the same snapshot versions) without operator action.
 */
export function channelUrls(raw: string): URL[] {
  const urls = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(channelUrl);
  if (urls.length === 0) throw new Error('no controller URL given');
  return urls;
}
