// Control-channel messages (JSON text frames over WebSocket), modelled on xDS state-of-the-world
// without its NACK loop: a rejected version is never re-sent.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_DELTA_OBJECTS } from './delta.js';
import { BackendSnap, FrontendSnap, SnapshotBody } from './snapshot.js';

export { CHANNEL_PATH, PROTOCOL_VERSION, SUBPROTOCOL } from './channel.js';

const O = Type.Object;
const S = Type.String();

export const ErrorInfo = O({ code: S, message: S });

export const Hello = O({
  type: Type.Literal('hello'),
  nodeId: Type.String({ minLength: 1, maxLength: 253 }),
  group: Type.String({ minLength: 1, maxLength: 63 }),
  lastAppliedVersion: Type.Union([S, Type.Null()]),
  protocolVersion: Type.Integer(),
});

/** A snapshot message whose body has the given schema (the whole one, or opaque for the envelope). */
const snapshotMsgOf = <B extends TSchema>(body: B) =>
  O({ type: Type.Literal('snapshot'), version: S, nonce: S, body });

export const SnapshotMsg = snapshotMsgOf(SnapshotBody);

const Ids = Type.Array(S, { maxItems: MAX_DELTA_OBJECTS });

/**
 * Controller → dataplane: the change from `baseVersion` (the version this dataplane ACKed) to
 * `version` (still the sha256 of the whole resulting body). Answered like a snapshot; a NACK
 * (the base is not live, the result does not hash to `version`, the build failed) makes the
 * controller send the full snapshot.
 */
const deltaMsgOf = <F extends TSchema, B extends TSchema>(frontend: F, backend: B) =>
  O({
    type: Type.Literal('delta'),
    version: S,
    baseVersion: S,
    nonce: S,
    group: S,
    frontends: O({ upsert: Type.Array(frontend, { maxItems: MAX_DELTA_OBJECTS }), remove: Ids }),
    backends: O({ upsert: Type.Array(backend, { maxItems: MAX_DELTA_OBJECTS }), remove: Ids }),
  });

export const DeltaMsg = deltaMsgOf(FrontendSnap, BackendSnap);

export const Ack = O({ type: Type.Literal('ack'), version: S, nonce: S });

export const Nack = O({
  type: Type.Literal('nack'),
  /** The version still live on the dataplane (null when none). */
  version: Type.Union([S, Type.Null()]),
  nonce: S,
  /** The version that was rejected. */
  rejectedVersion: S,
  error: ErrorInfo,
});

export const Heartbeat = O({ type: Type.Literal('heartbeat'), ts: Type.Number() });

export const ServerHealth = O({
  backend: S,
  server: S,
  address: S,
  state: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  reason: S,
  since: Type.Number(),
});

/** Runtime facts a dataplane reports upward: full health table on connect, then transitions. */
export const HealthReport = O({
  type: Type.Literal('health'),
  full: Type.Boolean(),
  servers: Type.Array(ServerHealth),
});

/** A server whose state an operator overrode at runtime on one dataplane (ephemeral). */
export const ServerOverride = O({
  backend: S,
  server: S,
  address: S,
  state: Type.Union([Type.Literal('ready'), Type.Literal('drain'), Type.Literal('maintenance')]),
  since: Type.Number(),
  reason: S,
});

/** Dataplane → controller: the full table of runtime overrides, on connect and on every change. */
export const OverridesReport = O({
  type: Type.Literal('overrides'),
  servers: Type.Array(ServerOverride),
});

/** Controller → dataplane: the channel is refused (bad group, protocol mismatch). */
export const ErrorMsg = O({ type: Type.Literal('error'), error: ErrorInfo });

export const DataplaneMessage = Type.Union([Hello, Ack, Nack, Heartbeat, HealthReport, OverridesReport]);
export const ControllerMessage = Type.Union([SnapshotMsg, DeltaMsg, Heartbeat, ErrorMsg]);

/**
 * What the dataplane's channel checks of a controller message: the envelope only, with bodies and
 * delta objects left opaque (their count still bounded). The applier checks the body, or just the
 * objects a delta changes, once; checking them here too compiled the whole snapshot schema a
 * second time (tens of MiB of generated code held by every dataplane) and ran it twice per apply.
 */
const Opaque = Type.Unknown();
export const ControllerEnvelope = Type.Union([
  snapshotMsgOf(Opaque),
  deltaMsgOf(Opaque, Opaque),
  Heartbeat,
  ErrorMsg,
]);

export type Hello = Static<typeof Hello>;
export type SnapshotMsg = Static<typeof SnapshotMsg>;
export type DeltaMsg = Static<typeof DeltaMsg>;
export type Ack = Static<typeof Ack>;
export type Nack = Static<typeof Nack>;
export type Heartbeat = Static<typeof Heartbeat>;
export type ServerHealth = Static<typeof ServerHealth>;
export type HealthReport = Static<typeof HealthReport>;
export type ServerOverride = Static<typeof ServerOverride>;
export type OverridesReport = Static<typeof OverridesReport>;
export type ErrorMsg = Static<typeof ErrorMsg>;
export type DataplaneMessage = Static<typeof DataplaneMessage>;
export type ControllerMessage = Static<typeof ControllerMessage>;
