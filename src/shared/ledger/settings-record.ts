/**
 * The ledger section `settings`: per water heater (MAC), the owner's own mode and setpoint from before our first
 * change (one baseline per heater) and every change of ours still active on it, oldest first. Pure functions only:
 * what a new change does to the record, what the heater should go to when one ends, and what the owner changed
 * meanwhile (their newest setting wins over a stale baseline). SettingsKeeper runs them.
 */
import type { TemperatureUnit } from '../codec';

/** Who made a change: navien-control's boost or vacation, or a live plan's window/hold. */
export type ChangeKind = 'boost' | 'vacation' | 'plan';

/** Mode id (1-4, 5 vacation) and setpoint (half-°C); a change holds only the fields it set. */
export interface SettingValue {
  mode?: number;
  setpointRaw?: number;
}

export interface Baseline {
  mode: number;
  setpointRaw: number;
}

export interface SettingChange {
  /** The node that made it (its id). */
  owner: string;
  kind: ChangeKind;
  /** What we set (updated before every later write of the same owner and kind). */
  ours: SettingValue;
  startedAt: number;
  /** Epoch ms when it ends by itself; absent = only on request (vacation without restore) or removal of its owner. */
  until?: number;
  /** Boost: it ends once `dhwChargePer` reaches this. */
  untilCharge?: number;
  /** The msg.topic of the message that started it, reused for the restore message. */
  topic?: string;
  /** The unit of the owner node, for the restore message. */
  unit: TemperatureUnit;
  /** Its end is due (asked for, overdue or its owner removed) but was not confirmed yet: restore at the next chance. */
  ending?: boolean;
}

export interface HeaterSettings {
  mac: string;
  /** The account node whose connection made the changes (reconciled by it even when no other node uses it). */
  account?: string;
  baseline: Baseline;
  changes: SettingChange[];
}

/** The whole section: by MAC. */
export type SettingsSection = Record<string, HeaterSettings>;

export type SettingField = 'mode' | 'setpointRaw';
const FIELDS: SettingField[] = ['mode', 'setpointRaw'];

/** What the heater shows for the two fields (undefined when the status lacks them). */
export function shown(status: Record<string, unknown>): SettingValue {
  const mode = status.dhwOperationSetting;
  const setpoint = status.dhwTemperatureSetting;
  return { mode: typeof mode === 'number' ? mode : undefined, setpointRaw: typeof setpoint === 'number' ? setpoint : undefined };
}

/** What the heater should show: the baseline under every active change, the newest on top. */
export function expectedSetting(record: Pick<HeaterSettings, 'baseline' | 'changes'>): Baseline {
  const value: Baseline = { ...record.baseline };
  for (const change of record.changes) {
    for (const field of FIELDS) {
      const v = change.ours[field];
      if (v !== undefined) value[field] = v;
    }
  }
  return value;
}

/** A field the owner changed while our change was on it: not put back. */
export interface OverriddenField {
  field: SettingField;
  /** What we had set. */
  ours: number;
  /** What the heater shows now (the owner's). */
  shows: number;
}

/**
 * The owner's newest setting wins: every field where the heater no longer shows what we expect becomes the baseline,
 * and no change of ours claims it any more (a change left with nothing of its own is dropped). Returns the adopted
 * record, the fields that were ours (overridden) and the changes dropped with nothing left.
 */
export function adoptOwnerChanges(record: HeaterSettings, status: Record<string, unknown>): { record: HeaterSettings; overridden: OverriddenField[]; dropped: SettingChange[] } {
  const expected = expectedSetting(record);
  const now = shown(status);
  const next: HeaterSettings = { ...record, baseline: { ...record.baseline }, changes: record.changes.map((c) => ({ ...c, ours: { ...c.ours } })) };
  const overridden: OverriddenField[] = [];
  for (const field of FIELDS) {
    const value = now[field];
    if (value === undefined || value === expected[field]) continue;
    if (next.changes.some((c) => c.ours[field] !== undefined)) overridden.push({ field, ours: expected[field], shows: value });
    next.baseline[field] = value;
    for (const c of next.changes) delete c.ours[field];
  }
  const dropped = next.changes.filter((c) => Object.keys(c.ours).length === 0);
  next.changes = next.changes.filter((c) => Object.keys(c.ours).length > 0);
  return { record: next, overridden, dropped };
}

export interface NewChange extends Omit<SettingChange, 'ending'> {
  /** Vacation: a boost of the same owner is folded in (the vacation's end goes to what was before the boost, setpoint too). */
  replaces?: ChangeKind[];
}

/**
 * The record with `change` added before its commands go out. The first change takes the baseline from the heater's
 * status (the caller checked it shows a mode 1-4 and a setpoint); a later one keeps it, after adopting what the owner
 * set meanwhile. The same owner and kind again updates its change (fields it does not set now stay ours) and makes it
 * the newest.
 */
export function withChange(record: HeaterSettings | undefined, mac: string, status: Record<string, unknown>, change: NewChange, account?: string): { record: HeaterSettings; overridden: OverriddenField[]; dropped: SettingChange[] } {
  let base: HeaterSettings;
  let overridden: OverriddenField[] = [];
  let dropped: SettingChange[] = [];
  if (!record || record.changes.length === 0) {
    const now = shown(status);
    if (now.mode === undefined || now.setpointRaw === undefined) throw new Error('the heater status shows no mode or setpoint');
    base = { mac, account, baseline: { mode: now.mode, setpointRaw: now.setpointRaw }, changes: [] };
  } else {
    ({ record: base, overridden, dropped } = adoptOwnerChanges(record, status));
    if (account !== undefined) base.account = account;
  }
  const { replaces = [], ...fields } = change;
  const same = base.changes.find((c) => c.owner === change.owner && c.kind === change.kind);
  const isReplaced = (c: SettingChange) => c.owner === change.owner && replaces.includes(c.kind);
  const rest = base.changes.filter((c) => c !== same && !isReplaced(c));
  // What a replaced change set and this one does not (a boost's setpoint under a vacation) stays ours through this
  // one, so its end puts that back too; otherwise the boost's value would silently become the owner's.
  const inherited = Object.assign({}, ...base.changes.filter(isReplaced).map((c) => c.ours)) as SettingValue;
  const merged: SettingChange = { ...fields, ours: { ...inherited, ...(same?.ours ?? {}), ...definedOnly(change.ours) } };
  // Started (again) now: no longer due.
  delete merged.ending;
  return { record: { ...base, changes: [...rest, merged] }, overridden, dropped };
}

/** One write that puts a field back. */
export interface RestoreWrite {
  field: SettingField;
  value: number;
}

export interface RestoreStep {
  /** What to send, in order (vacation is left first; otherwise the setpoint goes first). */
  writes: RestoreWrite[];
  /** Fields of ours the owner changed meanwhile: not put back. */
  overridden: OverriddenField[];
  /** The record once the writes are confirmed (undefined: nothing of ours is left on the heater). */
  after: HeaterSettings | undefined;
  /** What the heater goes to: the still-active change's value, or the baseline when this was the last. */
  target: Baseline;
}

/**
 * Ending `ended`: the heater goes to the value of the changes still active, or to the baseline when none is left. A
 * field is written only while the heater still shows our value; one the owner changed meanwhile stays theirs.
 */
export function restoreStep(record: HeaterSettings, ended: SettingChange, status: Record<string, unknown>): RestoreStep {
  const adopted = adoptOwnerChanges(record, status);
  const stillOurs = adopted.record.changes.some((c) => sameChange(c, ended));
  const remaining = adopted.record.changes.filter((c) => !sameChange(c, ended));
  const before = expectedSetting(adopted.record);
  const target = expectedSetting({ baseline: adopted.record.baseline, changes: remaining });
  const writes: RestoreWrite[] = [];
  if (stillOurs) {
    for (const field of FIELDS) if (before[field] !== target[field]) writes.push({ field, value: target[field] });
  }
  const current = shown(status);
  // On vacation a setpoint write waits for the mode to come back; otherwise the setpoint goes first.
  if (current.mode !== 5) writes.reverse();
  const after = remaining.length ? { ...adopted.record, changes: remaining } : undefined;
  const overridden = adopted.overridden.filter((o) => ended.ours[o.field] !== undefined);
  return { writes, overridden, after, target };
}

export function sameChange(a: Pick<SettingChange, 'owner' | 'kind'>, b: Pick<SettingChange, 'owner' | 'kind'>): boolean {
  return a.owner === b.owner && a.kind === b.kind;
}

function definedOnly(value: SettingValue): SettingValue {
  const out: SettingValue = {};
  for (const field of FIELDS) if (value[field] !== undefined) out[field] = value[field];
  return out;
}
