/**
 * The device's own status history, kept for learning its tank figures (learnTankModel): a sample per status at most
 * once a minute (and whenever the heat source changes), the last week, at most a few thousand samples, kept in a
 * store the node provides (its context) so a redeploy does not start learning from scratch.
 */
import type { TankSample } from '../planner';

/** A value the node keeps for the session (its context, with an in-process fallback). */
export interface ValueStore<T> {
  get(): Promise<T | undefined>;
  set(value: T | undefined): Promise<void>;
}

const MINUTE_MS = 60_000;
export const HISTORY_MAX_AGE_MS = 7 * 86_400_000;
export const HISTORY_MAX_SAMPLES = 6_000;

export class StatusHistory {
  private list: TankSample[] = [];

  constructor(private readonly store: ValueStore<TankSample[]>, private readonly warn: (text: string) => void) {}

  /** Reads what an earlier instance of the node kept (invalid entries are dropped). */
  async load(): Promise<void> {
    const stored = await this.store.get().catch(() => undefined);
    if (!Array.isArray(stored)) return;
    const valid = stored.filter((s) => s && typeof s === 'object' && Number.isFinite(s.at) && Number.isFinite(s.energyKWh));
    this.list = [...valid, ...this.list].sort((a, b) => a.at - b.at);
  }

  samples(): readonly TankSample[] {
    return this.list;
  }

  /** The newest heat capacity a status reported (null when none did). */
  lastCapacity(): number | null {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const c = this.list[i].capacityWhPerK;
      if (typeof c === 'number' && c > 0) return c;
    }
    return null;
  }

  add(sample: TankSample): void {
    const last = this.list[this.list.length - 1];
    if (last && sample.at < last.at) return;
    // Once a minute is enough for slopes; a change of heat source starts a new run and is always kept.
    if (last && sample.at - last.at < MINUTE_MS && sample.source === last.source && sample.drawing === last.drawing) return;
    this.list.push(sample);
    const cutoff = sample.at - HISTORY_MAX_AGE_MS;
    let drop = 0;
    while (drop < this.list.length && (this.list[drop].at < cutoff || this.list.length - drop > HISTORY_MAX_SAMPLES)) drop++;
    if (drop > 0) this.list.splice(0, drop);
    this.store.set(this.list).catch((err: unknown) => this.warn(`status history not stored: ${err instanceof Error ? err.message : String(err)}`));
  }
}
