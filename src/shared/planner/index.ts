/** The planner core of navien-planner: pure, deterministic, clock injected, no Node-RED. */
export * from './input-error';
export * from './prices';
export * from './targets';
export * from './input';
export * from './local-time';
