export * from './snapshot.js';
export * from './messages.js';
export * from './canonical.js';
export * from './duration.js';
export * from './errors.js';
export * from './delta.js';
