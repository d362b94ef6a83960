/**
 * `device`: the plan written into the heater's own weekly program (docs/protocol.md#weekly-program), so the heater
 * follows it even while Node-RED is down. The program is one list that every write replaces, so each change is a
 * read-modify-write in the device's command queue: the user's own entries are kept exactly as they are, the planner's
 * are the ones it wrote (remembered in the node's store, because an entry carries no owner), the total stays within the
 * program's 16 entries, and the planner's entries are removed once they have switched, so nothing repeats a week later.
 *
 * A plan becomes: a hold entry now (unless a window starts now), each window's start and end entry (windows merged
 * to fit the free entries), and an entry at the plan's end that puts the user's own setting back.
 */
import {
  DAY_BITS,
  DayName,
  FLAG_OFF,
  FLAG_ON,
  MAX_RESERVATION_ENTRIES,
  RESERVATION_MODES,
  TemperatureUnit,
  WireSchedule,
  WireScheduleEntry,
  buildReservationRead,
  buildReservationWrite,
  decodeReservationEntry,
  entriesCollide,
  fromHalfCelsius,
  sameSchedule,
  toHalfCelsius,
} from '../codec';
import { ControlCancelledError, type ControlOutcome } from '../control/device-commands';
import type { PlannedControl } from '../control/plan';
import { currentProgram } from '../control/plans/schedule';
import { restorePlans } from '../control/plans/timed';
import type { Clock } from '../clock';
import { InputError } from '../input-error';
import { Plan, Setting, nextDay, toWeeklyProgram, unrepeatedTime, wallClock, zonedTime } from '../planner';
import type { ValueStore } from './history';
import type { PlannerReport } from './reports';

export interface ProgramEntryRecord {
  /** When it switches, epoch ms on the minute. */
  at: number;
  wire: WireScheduleEntry;
  /** The plan's last entry: the user's own setting back. */
  restores?: boolean;
}

/** What the node keeps about its entries (plain JSON, in its context). */
export interface ProgramState {
  mac: string;
  /** The planner's entries that may be on the heater. */
  entries: ProgramEntryRecord[];
  /** The user's own mode id (1-4) and setpoint (half-°C): what the plan's last entry puts back. */
  restore?: { mode: number; setpointRaw: number };
  /** A planner entry has switched the heater and no restore entry since (as of the last removal of passed entries). */
  active?: boolean;
  /** The mode id and setpoint (half-°C) that entry switched to: the user's setting goes back only while the heater shows it. */
  holding?: { mode: number; setpointRaw: number };
  /** The program was off and held nothing of the user's: the planner switched it on and switches it off again. */
  enabledByUs?: boolean;
}

export interface ProgramDeps {
  mac: string;
  unit: TemperatureUnit;
  clock: Clock;
  timeZone?: string;
  submit(plan: PlannedControl): Promise<ControlOutcome>;
  store: ValueStore<ProgramState>;
  report(report: PlannerReport): void;
  describe(err: unknown): string;
  /** A fresh status (raw), when removeAll is not given one. */
  requestStatus?(): Promise<Record<string, unknown>>;
}

const MINUTE_MS = 60_000;
/** Entries are written at least this far ahead, so the write lands before its first entry is due. */
const LEAD_MS = 2 * MINUTE_MS;
/** An entry is removed this long after it switched. */
const PASSED_MS = MINUTE_MS;
/** A weekly entry more than six days ahead could meet its own weekday and time of this week: not written. */
const MAX_AHEAD_MS = 6 * 86_400_000;
const WEEKDAYS: readonly DayName[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface DesiredEntry {
  at: number;
  setting: Setting | { mode: string; setpointC: number };
  restores?: boolean;
}

const ceilMinute = (t: number) => Math.ceil(t / MINUTE_MS) * MINUTE_MS;
const key = (e: WireScheduleEntry) => [e.enable, e.week, e.hour, e.min, e.mode, e.param].join(',');
const iso = (t: number) => new Date(t).toISOString();

function toWire(entry: DesiredEntry, at: number, timeZone: string | undefined): WireScheduleEntry {
  const wall = wallClock(at, timeZone);
  return {
    enable: FLAG_ON,
    week: DAY_BITS[WEEKDAYS[wall.weekday]],
    hour: wall.hour,
    min: wall.minute,
    mode: RESERVATION_MODES.idOf(entry.setting.mode) as number,
    param: toHalfCelsius(entry.setting.setpointC, 'C'),
  };
}

/**
 * The setting the user's own active entries switch to last in (from, to], or undefined when none switches then: what
 * the plan's end should put back when the user's program changed the setting meanwhile.
 */
export function lastUserSwitch(user: readonly WireScheduleEntry[], from: number, to: number, timeZone?: string): { mode: number; setpointRaw: number } | undefined {
  let last: { at: number; mode: number; setpointRaw: number } | undefined;
  const first = wallClock(from, timeZone);
  let day = { year: first.year, month: first.month, day: first.day };
  // A weekly program repeats within eight calendar days at most.
  for (let i = 0; i < 8; i++) {
    for (const e of user) {
      if (e.enable !== FLAG_ON) continue;
      const at = zonedTime(day.year, day.month, day.day, e.hour, e.min, timeZone);
      if (at <= from || at > to || (e.week & DAY_BITS[WEEKDAYS[wallClock(at, timeZone).weekday]]) === 0) continue;
      if (!last || at > last.at) last = { at, mode: e.mode, setpointRaw: e.param };
    }
    day = nextDay(day.year, day.month, day.day);
  }
  return last && { mode: last.mode, setpointRaw: last.setpointRaw };
}

/** The entries a plan needs from `now` on, within `budget` free entries of the program. */
export function desiredEntries(plan: Plan, now: number, budget: number, timeZone?: string): { entries: DesiredEntry[]; merged: number } {
  const earliest = ceilMinute(now + LEAD_MS);
  const last = Math.min(plan.end, now + MAX_AHEAD_MS);
  const windows = plan.windows
    .filter((w) => w.end > earliest && w.start < last)
    .map((w) => ({ start: Math.max(w.start, earliest), end: Math.min(w.end, last), mode: w.mode, setpointC: w.setpointC }));
  const lead: DesiredEntry[] = windows.length > 0 && windows[0].start <= earliest ? [] : [{ at: earliest, setting: plan.hold }];
  const trailing: DesiredEntry[] = plan.end <= now + MAX_AHEAD_MS ? [{ at: ceilMinute(plan.end), setting: plan.restore, restores: true }] : [];
  const room = budget - lead.length - trailing.length;
  if (room < (windows.length > 0 ? 2 : 0)) {
    throw new InputError('program-full', { free: Math.max(0, budget), needed: lead.length + trailing.length + (windows.length > 0 ? 2 : 0) });
  }
  const program = windows.length > 0 ? toWeeklyProgram(windows, { restore: plan.hold, unit: 'C', maxEntries: Math.min(MAX_RESERVATION_ENTRIES, room), timeZone }) : undefined;
  const inner: DesiredEntry[] = (program?.entries ?? []).map((e, i) => ({ at: program?.times[i] as number, setting: { mode: String(e.mode), setpointC: e.setpoint } }));
  // The heater fires an entry when its clock first shows the entry's time: none is meant for a repeated hour's second pass.
  const all = [...lead, ...inner, ...trailing].map((e) => ({ ...e, at: unrepeatedTime(e.at, timeZone) }));
  // Two entries on one minute: the later one in the list wins (the plan's end over a window's end).
  return { entries: all.filter((e, i) => !all.slice(i + 1).some((o) => o.at === e.at)), merged: program?.merged ?? 0 };
}

export class ProgramWriter {
  private state: ProgramState;
  private queue: Promise<void> = Promise.resolve();
  private timer: unknown;
  private closed = false;

  constructor(private readonly deps: ProgramDeps) {
    this.state = { mac: deps.mac, entries: [] };
  }

  /** Reads the entries an earlier instance wrote (kept after a redeploy or, with a persistent store, a restart). */
  async load(): Promise<void> {
    const stored = await this.deps.store.get().catch(() => undefined);
    if (stored && stored.mac === this.deps.mac && Array.isArray(stored.entries)) this.state = stored;
  }

  /** Entries of the planner that may be on the heater (also ones already passed but not yet removed). */
  get pending(): number {
    return this.state.entries.length;
  }

  /** The user's own setting while a planner entry holds the heater (its status then shows the planner's setting). */
  userSetting(now: number): { mode: number; setpointRaw: number } | undefined {
    return this.isActive(now) ? this.state.restore : undefined;
  }

  /** Writes `plan` (replacing the planner's earlier entries); passed entries are removed as they pass. */
  write(plan: Plan, restore: { mode: number; setpointRaw: number }): Promise<void> {
    return this.edit('write', (user, now) => {
      const { entries, merged } = desiredEntries(plan, now, MAX_RESERVATION_ENTRIES - user.length, this.deps.timeZone);
      // The plan's end puts back what the user's own program would have the heater at by then.
      const theirs = lastUserSwitch(user, now, plan.end, this.deps.timeZone);
      const last = entries[entries.length - 1];
      if (theirs && last?.restores) {
        last.setting = { mode: RESERVATION_MODES.nameOf(theirs.mode) ?? 'heat-pump', setpointC: theirs.setpointRaw / 2 };
      }
      this.state.restore = restore;
      return { entries: this.place(entries, user), merged };
    });
  }

  /** Removes the entries that have switched. */
  prune(): Promise<void> {
    if (!this.state.entries.some((e) => e.at <= this.deps.clock.now() - PASSED_MS)) {
      this.arm();
      return this.queue;
    }
    return this.edit('prune', (_user, now) => ({ entries: this.state.entries.filter((e) => e.at > now - PASSED_MS) }));
  }

  /**
   * Removes every planner entry, and (`restoreSetting`) puts the user's setting back if a planner entry holds the
   * heater now and the heater still shows that entry's setting (`shown`, else a fresh status): not when the user
   * changed it, switched it off or put it on vacation meanwhile. The setting goes back first: at cloud latency
   * (2-4 s a reply) the removal's read and write alone can outlast a close, and a hold left on the heater is what the
   * owner notices; entries left behind are the keeper's to remove.
   */
  async removeAll(restoreSetting: boolean, shown?: Record<string, unknown>): Promise<void> {
    const now = this.deps.clock.now();
    const holding = this.isActive(now) ? this.holdingSetting(now) : undefined;
    const restore = this.state.restore;
    // Nothing to put back (or the owner switched the heater off): the planner lets go of the setting for good.
    if (!(restoreSetting && holding && restore)) this.state = { ...this.state, active: false, holding: undefined };
    const putBack = restoreSetting && holding && restore ? this.restoreIfShown(restore, holding, shown) : Promise.resolve();
    await Promise.all([putBack, this.edit('remove', () => ({ entries: [] }))]);
  }

  /** Stops the removal timer; the entries stay on the heater and in the store. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private isActive(now: number): boolean {
    const passed = this.state.entries.filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
    return passed.length > 0 ? !passed[passed.length - 1].restores : this.state.active === true;
  }

  /** The setting the planner's last switched entry holds the heater at (kept when passed entries are removed). */
  private holdingSetting(now: number): { mode: number; setpointRaw: number } | undefined {
    const passed = this.state.entries.filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
    const last = passed[passed.length - 1];
    return last ? { mode: last.wire.mode, setpointRaw: last.wire.param } : this.state.holding;
  }

  private async restoreIfShown(restore: { mode: number; setpointRaw: number }, holding: { mode: number; setpointRaw: number }, shown?: Record<string, unknown>): Promise<void> {
    const status = shown ?? (await this.deps.requestStatus?.().catch(() => undefined));
    // Unknown: still held as far as we know (a later removal, the keeper's, asks again).
    if (!status) return;
    // Changed: the owner's, not ours to put back (their change wins).
    if (status.dhwOperationSetting !== holding.mode || status.dhwTemperatureSetting !== holding.setpointRaw) {
      await this.save({ ...this.state, active: false, holding: undefined });
      return;
    }
    await this.restoreSetting(restore);
  }

  /**
   * Moves each entry off the days and minutes the user's entries use (two entries on one minute: the heater's choice
   * is unknown); a Thursday entry collides with a Mon-Fri one at the same time.
   */
  private place(entries: DesiredEntry[], user: WireScheduleEntry[]): ProgramEntryRecord[] {
    const taken = [...user];
    return entries.map((entry) => {
      let at = entry.at;
      let wire = toWire(entry, at, this.deps.timeZone);
      while (taken.some((e) => entriesCollide(e, wire))) wire = toWire(entry, (at += MINUTE_MS), this.deps.timeZone);
      taken.push(wire);
      return { at, wire, ...(entry.restores ? { restores: true } : {}) };
    });
  }

  private async save(state: ProgramState): Promise<void> {
    this.state = state;
    await this.deps.store.set(state.entries.length > 0 || state.enabledByUs || state.active ? state : undefined);
  }

  private edit(action: 'write' | 'prune' | 'remove', next: (user: WireScheduleEntry[], now: number) => { entries: ProgramEntryRecord[]; merged?: number }): Promise<void> {
    this.queue = this.queue.then(() => this.runEdit(action, next)).catch((err: unknown) => {
      this.deps.report({ type: 'not-applied', at: iso(this.deps.clock.now()), reason: 'error', error: this.deps.describe(err) });
    });
    return this.queue;
  }

  private async runEdit(action: 'write' | 'prune' | 'remove', next: (user: WireScheduleEntry[], now: number) => { entries: ProgramEntryRecord[]; merged?: number }): Promise<void> {
    if (this.closed && action !== 'remove') return;
    let userEntries: number | null = null;
    let merged: number | undefined;
    let written: ProgramEntryRecord[] = [];
    let wire: WireSchedule | undefined;
    const control: PlannedControl = {
      command: 'schedule',
      requested: { planner: action },
      // Each edit builds on the program as it is when it runs: never collapsed with another.
      setting: null,
      prepare: async (io, mac) => {
        const reply = await io.request(mac, buildReservationRead(io.commandContext(mac)), ['reservation']);
        // A read-back that is not well formed fails the edit: written on, it would erase the owner's entries.
        const { reservationUse: use, reservation } = currentProgram(reply.response);
        const ours = new Set(this.state.entries.map((e) => key(e.wire)));
        const user = reservation.filter((e) => !ours.has(key(e)));
        userEntries = user.length;
        const now = this.deps.clock.now();
        const planned = next(user, now);
        written = planned.entries;
        merged = planned.merged;
        if (user.length + written.length > MAX_RESERVATION_ENTRIES) {
          throw new InputError('program-full', { free: MAX_RESERVATION_ENTRIES - user.length, needed: written.length });
        }
        let enabledByUs = this.state.enabledByUs;
        let reservationUse = use;
        if (written.length > 0 && use !== FLAG_ON) {
          // Switching the program on would also switch on the user's own (inactive) entries.
          if (user.length > 0) throw new InputError('program-off', { entries: user.length });
          reservationUse = FLAG_ON;
          enabledByUs = true;
        } else if (written.length === 0 && enabledByUs && user.length === 0) {
          reservationUse = FLAG_OFF;
          enabledByUs = false;
        }
        wire = { reservationUse, reservation: [...user, ...written.map((e) => e.wire)] };
        const passed = this.state.entries.filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
        // A removal leaves the hold to removeAll's own put-back (it may have run just before).
        const active = action === 'remove' ? this.state.active : passed.length > 0 ? !passed[passed.length - 1].restores : this.state.active;
        const holding = action === 'remove' ? this.state.holding : this.holdingSetting(now);
        // Kept before it is sent: whatever becomes of the write, all of these may be on the heater now.
        const union = [...this.state.entries.filter((e) => !written.some((w) => key(w.wire) === key(e.wire))), ...written];
        await this.save({ ...this.state, entries: union, enabledByUs, active, ...(active && holding ? { holding } : { holding: undefined }) });
      },
      build: (ctx) => {
        if (!wire) throw new Error('planner program: the current program was not read');
        return buildReservationWrite(ctx, wire);
      },
      confirmedValue: () => undefined,
      confirmedByReply: (message) => (message.kind === 'reservation' && wire && message.response && sameSchedule(message.response, wire) ? true : undefined),
    };
    const at = iso(this.deps.clock.now());
    try {
      const outcome = await this.deps.submit(control);
      if (outcome.result === 'confirmed') await this.save({ ...this.state, entries: written });
      this.deps.report({ type: 'program', at, action, result: outcome.result, entries: this.view(), userEntries, ...(merged ? { merged } : {}) });
    } catch (err) {
      if (err instanceof ControlCancelledError) return;
      const result = err instanceof InputError ? 'skipped' : 'failed';
      this.deps.report({ type: 'program', at, action, result, entries: this.view(), userEntries, error: this.deps.describe(err) });
    }
    this.arm();
  }

  private async restoreSetting(restore: { mode: number; setpointRaw: number }): Promise<void> {
    const at = iso(this.deps.clock.now());
    try {
      const outcomes = await Promise.all(restorePlans('boost', { mode: restore.mode, setpointRaw: restore.setpointRaw }, this.deps.unit).map((p) => this.deps.submit(p)));
      const failed = outcomes.find((o) => o.result !== 'confirmed');
      // Not confirmed: still held as far as we know, so a later removal (the keeper's) tries again.
      if (!failed) await this.save({ ...this.state, active: false, holding: undefined });
      const setting = { mode: RESERVATION_MODES.nameOf(restore.mode) ?? String(restore.mode), setpoint: fromHalfCelsius(restore.setpointRaw, this.deps.unit) };
      this.deps.report({ type: 'restore', at, cause: 'stopped', setting, result: failed ? failed.result : 'confirmed', applied: failed ? null : setting });
    } catch (err) {
      if (err instanceof ControlCancelledError) return;
      this.deps.report({ type: 'restore', at, cause: 'stopped', setting: null, result: 'failed', applied: null, error: this.deps.describe(err) });
    }
  }

  /** The planner's entries as readable program entries (days, time, mode, setpoint in the node's unit), in time order. */
  private view() {
    return [...this.state.entries].sort((a, b) => a.at - b.at).map((e) => ({ ...decodeReservationEntry(e.wire, this.deps.unit), at: iso(e.at) }));
  }

  /** Removes each entry a minute after it switched. */
  private arm(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.state.entries.length === 0) return;
    const due = Math.min(...this.state.entries.map((e) => e.at)) + PASSED_MS;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.prune();
    }, Math.max(0, due - this.deps.clock.now()));
  }
}
