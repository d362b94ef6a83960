/**
 * The alert state of navien-status's devices over time: events out of each status and presence change, with the
 * state kept in a store the node provides (its context, so a restart neither repeats nor forgets alerts).
 */
import { AlertEvent, AlertOptions, AlertState, presenceAlerts, statusAlerts } from './alerts';

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
    if (JSON.stringify(state) !== JSON.stringify(previous ?? null)) this.store.set(mac, state);
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
