import type { ConnectionPhase } from './types';

/**
 * Connection phases the account does not leave by itself: wrong or missing credentials, no MQTT library, bad
 * settings, closed. Only a redeploy (new credentials, new settings) gets out of them, so whatever waits for the
 * connection (deferred inputs) fails at once instead of never.
 */
export const TERMINAL_PHASES: ReadonlySet<ConnectionPhase> = new Set<ConnectionPhase>([
  'invalid-credentials',
  'missing-credentials',
  'sdk-unavailable',
  'config-error',
  'closed',
]);

export function isTerminalPhase(phase: ConnectionPhase): boolean {
  return TERMINAL_PHASES.has(phase);
}
