/** navien-planner's work without Node-RED: settings, the session, and how plans are carried out (live, device). */
export * from './settings';
export * from './history';
export * from './reports';
export * from './live';
export * from './program';
export * from './program-ledger';
export * from './program-keeper';
export * from './plan-request';
export * from './session';
