// The few HTTP helpers the admin endpoint needs on top of node:http: replies with a type and a
// length, the query of a request, content negotiation (negotiator, the library behind express's
// req.accepts) and a JSON request body read within a bound.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type NegotiatorClass from 'negotiator';

// Loaded with require, not import (dataplane/src/log.ts says why).
const Negotiator = createRequire(import.meta.url)('negotiator') as typeof NegotiatorClass;

/** Sends `body` with its type and length; a HEAD request gets the headers only. */
export function reply(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
): void {
  const bytes = Buffer.from(body, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', bytes.length);
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export const replyText = (req: IncomingMessage, res: ServerResponse, status: number, text: string): void =>
  reply(req, res, status, 'text/plain; charset=utf-8', text);

export const replyJson = (req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void =>
  reply(req, res, status, 'application/json; charset=utf-8', JSON.stringify(value));

/** The path and query of a request (the admin endpoint has no use for its host). */
export function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://admin.invalid');
}

/** The first of `offered` media types the Accept header prefers (the first one without it). */
export function preferredType(req: IncomingMessage, offered: string[]): string | undefined {
  return new Negotiator(req).mediaType(offered);
}

/** True when the request's Content-Type is `type` (parameters such as charset aside). */
export function hasContentType(req: IncomingMessage, type: string): boolean {
  const value = req.headers['content-type'];
  return value !== undefined && value.split(';', 1)[0]!.trim().toLowerCase() === type;
}

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a JSON object body of at most `limit` bytes: 413 beyond, 400 when it is not an object. */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    throw new BodyError(413, `request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyError(413, `request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BodyError(400, 'request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new BodyError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}
