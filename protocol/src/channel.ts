// The control channel's fixed names, apart from the message schemas (messages.ts): a dataplane
// dials and greets with these without loading the schemas' library (its validators are
// generated ahead of time, see validators.ts).
export const PROTOCOL_VERSION = 1;
/** WebSocket subprotocol; a peer speaking another one is refused at the handshake. */
export const SUBPROTOCOL = 'bascule.v1';
export const CHANNEL_PATH = '/v1/channel';
