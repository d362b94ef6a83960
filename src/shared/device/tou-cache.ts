import type { TouPlan } from '../codec';

/** A TOU plan read over REST is reused this long for cost estimates: utilities change plans rarely. */
export const TOU_CACHE_MS = 6 * 3_600_000;

/**
 * The TOU plans of one account's devices, for cost estimates: each read at most once per `ttlMs`, and one read at a
 * time per device however many nodes ask at once.
 */
export class TouCache {
  private readonly plans = new Map<string, { plan: TouPlan; at: number }>();
  private readonly loading = new Map<string, Promise<TouPlan>>();

  constructor(private readonly ttlMs = TOU_CACHE_MS, private readonly now: () => number = Date.now) {}

  /** A plan just read (an explicit TOU read): what the next cost estimate uses. */
  set(mac: string, plan: TouPlan): void {
    this.plans.set(mac, { plan, at: this.now() });
  }

  /** The cached plan while it is fresh, else `load()` (shared with a load already under way for this device). */
  get(mac: string, load: () => Promise<TouPlan>): Promise<TouPlan> {
    const cached = this.plans.get(mac);
    if (cached && this.now() - cached.at < this.ttlMs) return Promise.resolve(cached.plan);
    let running = this.loading.get(mac);
    if (!running) {
      running = load().then((plan) => {
        this.set(mac, plan);
        return plan;
      });
      const forget = () => {
        if (this.loading.get(mac) === running) this.loading.delete(mac);
      };
      running.then(forget, forget);
      this.loading.set(mac, running);
    }
    return running;
  }
}
