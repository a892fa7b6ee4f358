// Health checking: active checks (TCP connect, HTTP), passive checks on live traffic, the
// HAProxy rise/fall counter, slow start. See docs/health-checks.md.
export {
  HealthManager,
  type HealthCounters,
  type HealthManagerOptions,
  type HealthReportOut,
  type HealthView,
  type ServerHealthView,
} from './manager.js';
export { observe, type Outcome } from './passive.js';
export { slowStartWeight } from './model.js';
