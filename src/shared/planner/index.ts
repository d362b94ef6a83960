/** The planner core of navien-planner: pure, deterministic, clock injected, no Node-RED. */
export * from './input-error';
export * from './prices';
export * from './tou-prices';
export * from './targets';
export * from './input';
export * from './local-time';
export * from './tank-model';
export * from './learn';
export * from './simulate';
export * from './optimiser';
export * from './payload';
export * from './weekly-program';
export * from './two-zone';
export * from './draws';
export * from './zone-sim';
