// Public surface of the dataplane package (what the CLI and e2e tests import).
export { startDataplane } from './dataplane.js';
export type {
  Dataplane,
  DataplaneOptions,
  DataplaneStatus,
  ApplyResult,
  ChannelTuning,
} from './dataplane.js';
export { createLogger, silentLogger } from './log.js';
