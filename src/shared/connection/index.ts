/** The account connection and what its users need of it (phases, state, presence, options); its parts stay internal. */
export * from './account-connection';
export { TERMINAL_PHASES, isTerminalPhase } from './connection-phases';
