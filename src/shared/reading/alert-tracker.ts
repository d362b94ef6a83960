/**
 * The alert state of navien-status's devices over time: events out of each status and presence change, with the
 * state kept in a store the node provides (its context, so a restart neither repeats nor forgets alerts).
 */
import { AlertEvent, AlertOptions, AlertState, initialAlertState, presenceAlerts, statusAlerts } from './alerts';

/** Read on every use (not cached): what a restart or another writer left in the store is what counts. */
export interface AlertStore {
  get(mac: string): AlertState | undefined;
  set(mac: string, state: AlertState): void;
}

export class AlertTracker {
  constructor(private readonly store: AlertStore, private readonly options: AlertOptions = {}) {}

  /** Events of a status, or of the last status re-checked as time passes (Electric mode's revert warning). */
  status(mac: string, raw: Record<string, unknown>, nowMs: number = Date.now()): AlertEvent[] {
    const previous = this.store.get(mac);
    const { events, state } = statusAlerts(previous, raw, nowMs, this.options);
    if (!sameState(state, previous)) this.store.set(mac, state);
    return events;
  }

  presence(mac: string, presence: AlertState['presence']): AlertEvent[] {
    const previous = this.store.get(mac);
    const { events, state } = presenceAlerts(previous, presence);
    if (state !== previous) this.store.set(mac, state);
    return events;
  }

  /** When Electric mode was first seen on for the device (ms since epoch), or null/undefined. */
  electricSince(mac: string): number | null | undefined {
    return this.store.get(mac)?.electricSince;
  }
}

/** The fields of an alert state (statusAlerts always returns all of them). */
const STATE_KEYS = Object.keys(initialAlertState()) as Array<keyof AlertState>;

/**
 * Whether the next state equals the stored one, field by field (this runs for every status). statusAlerts copies
 * `errorInfo` from the previous state unless the error changed, so comparing it by reference is exact; a stored
 * state with other fields (an older version's) counts as different and is rewritten.
 */
function sameState(next: AlertState, previous: AlertState | undefined): boolean {
  if (!previous || typeof previous !== 'object') return false;
  for (const key of STATE_KEYS) if (next[key] !== previous[key]) return false;
  return Object.keys(previous).length === STATE_KEYS.length;
}
