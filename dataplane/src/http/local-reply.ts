// Responses the proxy writes itself: errors, deny, redirect, limits. Short plain-text bodies that
// say what happened and where ("... (backend default/web)"). Pure: engines put the bytes on the
// wire (ClientSide.reply); the HTTP/1.1 form is built here once.
import type { HeaderList } from '../router/types.js';

/** Reason phrases (RFC 9110 §15; the same table Node and HAProxy use). */
const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  208: 'Already Reported',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a Teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};

export const statusText = (status: number): string => REASONS[status] ?? 'Unknown';

export const textBody = (status: number, detail: string): string =>
  `${status} ${statusText(status)}\n\n${detail}\n`;

/** The header fields of a local reply (before any connection-level field). */
export function replyHeaders(body: string, extra: HeaderList | undefined): HeaderList {
  const h: HeaderList = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Cache-Control', 'no-store'],
  ];
  if (extra) for (const e of extra) h.push(e);
  return h;
}

/**
 * A local reply as HTTP/1.1 bytes (latin1 string), head and body together. `close`: true for
 * "Connection: close", 'keep-alive' to confirm a persistent connection the client asked for.
 */
export function replyBytes(
  status: number,
  detail: string,
  extra: HeaderList | undefined,
  close: boolean | 'keep-alive',
  headRequest = false,
): string {
  const body = textBody(status, detail);
  let out = `HTTP/1.1 ${status} ${statusText(status)}\r\n`;
  for (const [n, v] of replyHeaders(body, extra)) out += `${n}: ${v}\r\n`;
  if (close === true) out += 'Connection: close\r\n';
  else if (close === 'keep-alive') out += 'Connection: keep-alive\r\n';
  out += '\r\n';
  // The body is ASCII text except for details echoing configuration; send it as UTF-8 bytes.
  return headRequest ? out : out + Buffer.from(body, 'utf8').toString('latin1');
}
