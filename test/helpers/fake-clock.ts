import type { Clock } from '../../src/shared/clock';

/** A fake clock: timers run, in time order, when the test moves time on. */
export class FakeClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private ids = 0;

  constructor(public time: number) {}

  now = (): number => this.time;

  setTimeout = (fn: () => void, ms: number): number => {
    const id = ++this.ids;
    this.timers.push({ at: this.time + Math.max(0, ms), fn, id });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Whether a timer falls due within the next `ms`. */
  dueWithin(ms: number): boolean {
    return this.timers.some((t) => t.at <= this.time + ms);
  }

  /** Moves time on by `ms`, running every timer that falls due (also those the timers set); returns how many ran. */
  advance(ms: number): number {
    const end = this.time + ms;
    let ran = 0;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
      ran++;
    }
    this.time = end;
    return ran;
  }
}
