import {
  AIR_FILTER_HOURS_RANGE,
  AIR_FILTER_HOURS_STEP,
  COMMANDS,
  CommandContext,
  DHW_MODES,
  DHW_MODE_POWER_OFF,
  DHW_MODE_VACATION,
  DecodedFeature,
  InboundMessage,
  MAX_RESERVATION_ENTRIES,
  OutboundMessage,
  RECIRC_MODES,
  ScheduleValidationError,
  TemperatureUnit,
  TouPeriod,
  WireSchedule,
  WireScheduleEntry,
  WireTouPeriod,
  WRITABLE_DHW_MODES,
  WritableDhwModeName,
  buildAirFilterLife,
  buildAirFilterReset,
  buildAntiLegionella,
  buildDemandResponse,
  buildModeCommand,
  buildPowerCommand,
  buildRecircHotButton,
  buildRecircMode,
  buildReservationMode,
  buildReservationRead,
  buildReservationWrite,
  buildSetpointCommand,
  buildTouEnable,
  buildTouScheduleWrite,
  decodeReservationResponse,
  decodeTouEcho,
  encodeReservation,
  encodeTouPeriods,
  fromHalfCelsius,
  isControlSupported,
  sameSchedule,
  sameTouPeriods,
  toHalfCelsius,
  wireEntries,
} from '../codec';

/** A rejected input, as an i18n key plus its arguments, so the node can say it in the user's language. */
export class ControlInputError extends Error {
  constructor(readonly key: string, readonly args: Record<string, string | number> = {}) {
    super(`${key}: ${JSON.stringify(args)}`);
    this.name = 'ControlInputError';
  }
}

export type ControlName =
  | 'power'
  | 'mode'
  | 'setpoint'
  | 'antiLegionella'
  | 'tou'
  | 'schedule'
  | 'vacation'
  | 'touSchedule'
  | 'demandResponse'
  | 'airFilter'
  | 'reservationMode'
  | 'recirculation';

/** What a control may use before it is built: a query to the device (the read of a read-modify-write). */
export interface PlanIo {
  commandContext(mac: string): CommandContext;
  request(mac: string, message: OutboundMessage, kinds: string[], timeoutMs?: number): Promise<InboundMessage>;
}

export interface PlannedControl {
  command: ControlName;
  /** What the user asked for, in their terms (unit of the node or msg). */
  requested: unknown;
  /** Collapse key: later values of the same setting on the same device replace waiting ones. */
  setting: string;
  /** Runs just before build, in the device's queue (e.g. reads the weekly program to change one entry). */
  prepare?(io: PlanIo, mac: string): Promise<void>;
  build(ctx: CommandContext): OutboundMessage;
  /** What the device's status shows once the control took effect, or undefined while it does not. */
  confirmedValue(status: Record<string, unknown>): unknown;
  /** For writes the device echoes on their own topic (weekly program, TOU): the confirmed value, or undefined. */
  confirmedByReply?(message: InboundMessage): unknown;
}

export interface ControlLimits {
  unit: TemperatureUnit;
  allowPowerOff: boolean;
  readOnly: boolean;
  features: DecodedFeature | undefined;
  /** Boost length when a boost names neither minutes nor untilCharge (the node's setting). */
  boostMinutes?: number;
}

export const CONTROL_KEYS = [
  'power',
  'mode',
  'days',
  'setpoint',
  'antiLegionella',
  'tou',
  'touSchedule',
  'schedule',
  'vacation',
  'boost',
  'demandResponse',
  'airFilter',
  'reservationMode',
  'recirculation',
] as const;
/** Keys handled as timed actions that restore (not plain controls). */
const TIMED_KEYS = ['boost', 'vacation'];
const SHORTCUT_TOPICS = ['power', 'mode', 'setpoint'];
const WRITABLE_MODES = WRITABLE_DHW_MODES;
type WritableMode = WritableDhwModeName;
/** NAVILINK.md 5.4/13: 1-30 days until the device is known to accept more. */
const VACATION_DAYS = { min: 1, max: 30 };
const ANTI_LEGIONELLA_DAYS = { min: 1, max: 30 };
/** Reads as "days must be left out unless mode is 'vacation', got 3". */
const DAYS_ONLY_WITH_VACATION = "left out unless mode is 'vacation' (then a whole number 1-30)";

/** Turns `msg.payload` (or the `msg.topic` shortcut) into validated controls, in a safe order. */
export function planControls(topic: unknown, payload: unknown, msgUnit: unknown, limits: ControlLimits): PlannedControl[] {
  const { controls, timed } = planRequest(topic, payload, msgUnit, limits);
  if (timed.length > 0) throw new ControlInputError('unknown-key', { key: timed[0].kind, allowed: CONTROL_KEYS.filter((k) => !TIMED_KEYS.includes(k)).join(', ') });
  return controls;
}

/** Plain controls plus the timed actions (boost, vacation) of one input message, all validated. */
export function planRequest(topic: unknown, payload: unknown, msgUnit: unknown, limits: ControlLimits): { controls: PlannedControl[]; timed: TimedRequest[] } {
  const request = normalise(topic, payload);
  const unit = parseUnit(msgUnit) ?? limits.unit;
  const keys = Object.keys(request);
  for (const key of keys) {
    if (!(CONTROL_KEYS as readonly string[]).includes(key)) {
      throw new ControlInputError('unknown-key', { key, allowed: CONTROL_KEYS.join(', ') });
    }
  }
  if (keys.length === 0 || (keys.length === 1 && keys[0] === 'days')) {
    throw new ControlInputError('empty', { allowed: CONTROL_KEYS.filter((k) => k !== 'days').join(', ') });
  }
  const plans: PlannedControl[] = [];
  const powerOn = request.power === true;
  if ('power' in request) plans.push(planPower(request.power, limits));
  if ('mode' in request) plans.push(planMode(request.mode, request.days, limits));
  else if ('days' in request) throw new ControlInputError('bad-type', { field: 'days', expected: DAYS_ONLY_WITH_VACATION, value: show(request.days) });
  if ('setpoint' in request) plans.push(planSetpoint(request.setpoint, unit, limits));
  if ('antiLegionella' in request) plans.push(planAntiLegionella(request.antiLegionella, limits));
  if ('tou' in request) plans.push(planTou(request.tou, limits));
  if ('touSchedule' in request) plans.push(planTouSchedule(request.touSchedule, limits));
  if ('schedule' in request) plans.push(planSchedule(request.schedule, unit, limits));
  if ('demandResponse' in request) plans.push(planDemandResponse(request.demandResponse, limits));
  if ('airFilter' in request) plans.push(planAirFilter(request.airFilter, limits));
  if ('reservationMode' in request) plans.push(planReservationMode(request.reservationMode, limits));
  if ('recirculation' in request) plans.push(planRecirculation(request.recirculation, limits));
  const timed: TimedRequest[] = [];
  for (const key of TIMED_KEYS) {
    if (!(key in request)) continue;
    const clash = ['mode', 'setpoint', 'days', ...TIMED_KEYS.filter((k) => k !== key)].find((k) => k in request);
    if (clash) throw new ControlInputError('conflict', { field: key, other: clash });
  }
  if ('boost' in request) timed.push(planBoost(request.boost, unit, limits));
  if ('vacation' in request) timed.push(planVacation(request.vacation, limits));
  // Power on first (the others need a running unit), power off last (after everything else was stored).
  return { controls: plans.sort((a, b) => rank(a, powerOn) - rank(b, powerOn)), timed };
}

function rank(plan: PlannedControl, powerOn: boolean): number {
  if (plan.command !== 'power') return 1;
  return powerOn ? 0 : 2;
}

function normalise(topic: unknown, payload: unknown): Record<string, unknown> {
  if (typeof topic === 'string' && SHORTCUT_TOPICS.includes(topic) && (typeof payload !== 'object' || payload === null)) {
    return { [topic]: payload };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ControlInputError('bad-type', { field: 'msg.payload', expected: 'an object such as {"setpoint": 130}', value: show(payload) });
  }
  return payload as Record<string, unknown>;
}

/** Read-only accounts refuse every write; a control the device's feature flags say it lacks is refused (codec 5.2 gating). */
function guard(limits: ControlLimits, field: string, control: string): void {
  if (limits.readOnly) throw new ControlInputError('read-only', { field });
  // A flag the record does not carry does not block; a known "no" does.
  if (!isControlSupported(limits.features, control)) throw new ControlInputError('unsupported', { field });
}

function planPower(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new ControlInputError('bad-type', { field: 'power', expected: 'true or false', value: show(value) });
  guard(limits, 'power', 'power');
  if (!value && !limits.allowPowerOff) throw new ControlInputError('power-off-disallowed');
  return {
    command: 'power',
    requested: value,
    setting: 'power',
    build: (ctx) => buildPowerCommand(ctx, value),
    confirmedValue: (status) => {
      const setting = status.dhwOperationSetting;
      if (typeof setting !== 'number' || setting === 0) return undefined;
      return (setting !== DHW_MODE_POWER_OFF) === value ? value : undefined;
    },
  };
}

function planMode(value: unknown, days: unknown, limits: ControlLimits): PlannedControl {
  if (value === 'off') throw new ControlInputError('bad-enum', { field: 'mode', value: 'off', allowed: `${WRITABLE_MODES.join(', ')} (use power: false to turn off)` });
  if (typeof value !== 'string' || !(WRITABLE_MODES as readonly string[]).includes(value)) {
    throw new ControlInputError('bad-enum', { field: 'mode', value: plain(value), allowed: WRITABLE_MODES.join(', ') });
  }
  const mode = value as WritableMode;
  guard(limits, 'mode', 'mode');
  guard(limits, `mode '${mode}'`, mode);
  let vacationDays: number | undefined;
  if (mode === 'vacation') {
    vacationDays = integerIn(days, 'days', VACATION_DAYS.min, VACATION_DAYS.max);
  } else if (days !== undefined) {
    throw new ControlInputError('bad-type', { field: 'days', expected: DAYS_ONLY_WITH_VACATION, value: show(days) });
  }
  const id = DHW_MODES.idOf(mode) as number;
  return {
    command: 'mode',
    requested: vacationDays === undefined ? mode : { mode, days: vacationDays },
    setting: 'mode',
    build: (ctx) => buildModeCommand(ctx, id, vacationDays),
    confirmedValue: (status) => {
      if (status.dhwOperationSetting !== id) return undefined;
      if (vacationDays !== undefined && status.vacationDaySetting !== vacationDays) return undefined;
      return vacationDays === undefined ? mode : { mode, days: vacationDays };
    },
  };
}

function planSetpoint(value: unknown, unit: TemperatureUnit, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ControlInputError('bad-type', { field: 'setpoint', expected: `a number in °${unit}`, value: show(value) });
  }
  guard(limits, 'setpoint', 'setpoint');
  const raw = setpointRaw(value, 'setpoint', unit, limits);
  return { ...setpointPlanRaw(raw, unit), requested: value };
}

/** The device's own limits; before they are known, the NWP500's documented 81..131 half-°C. */
function setpointLimits(limits: ControlLimits): { minRaw: number; maxRaw: number } {
  return { minRaw: limits.features?.setpointMinRaw ?? 81, maxRaw: limits.features?.setpointMaxRaw ?? 131 };
}

function setpointRaw(value: number, field: string, unit: TemperatureUnit, limits: ControlLimits): number {
  const raw = toHalfCelsius(value, unit);
  const { minRaw, maxRaw } = setpointLimits(limits);
  if (raw < minRaw || raw > maxRaw) {
    throw new ControlInputError('out-of-range', {
      field,
      value: `${value} °${unit}`,
      min: fromHalfCelsius(minRaw, unit),
      max: fromHalfCelsius(maxRaw, unit),
    });
  }
  return raw;
}

/** A setpoint control from an already-encoded value (used to put a remembered setpoint back). */
export function setpointPlanRaw(raw: number, unit: TemperatureUnit): PlannedControl {
  return {
    command: 'setpoint',
    requested: fromHalfCelsius(raw, unit),
    setting: 'setpoint',
    build: (ctx) => buildSetpointCommand(ctx, raw),
    confirmedValue: (status) => (status.dhwTemperatureSetting === raw ? fromHalfCelsius(raw, unit) : undefined),
  };
}

/** A mode control from a mode id 1-5 (vacation with its days), used to put a remembered mode back. */
export function modePlanId(id: number, vacationDays?: number): PlannedControl {
  const name = DHW_MODES.nameOf(id);
  const mode = name !== null && (WRITABLE_MODES as readonly string[]).includes(name) ? name : id;
  const value = id === DHW_MODE_VACATION ? { mode, days: vacationDays } : mode;
  return {
    command: 'mode',
    requested: value,
    setting: 'mode',
    build: (ctx) => buildModeCommand(ctx, id, id === DHW_MODE_VACATION ? vacationDays : undefined),
    confirmedValue: (status) => {
      if (status.dhwOperationSetting !== id) return undefined;
      if (id === DHW_MODE_VACATION && status.vacationDaySetting !== vacationDays) return undefined;
      return value;
    },
  };
}

function planAntiLegionella(value: unknown, limits: ControlLimits): PlannedControl {
  guard(limits, 'antiLegionella', 'antiLegionella');
  if (value === false) {
    return {
      command: 'antiLegionella',
      requested: false,
      setting: 'antiLegionella',
      build: (ctx) => buildAntiLegionella(ctx, false),
      confirmedValue: (status) => (status.antiLegionellaUse === 1 ? false : undefined),
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ControlInputError('bad-type', { field: 'antiLegionella', expected: 'false or {"periodDays": 1-30}', value: show(value) });
  }
  const extra = Object.keys(value).filter((k) => k !== 'periodDays');
  if (extra.length) throw new ControlInputError('unknown-key', { key: `antiLegionella.${extra[0]}`, allowed: 'periodDays' });
  const days = integerIn((value as Record<string, unknown>).periodDays, 'antiLegionella.periodDays', ANTI_LEGIONELLA_DAYS.min, ANTI_LEGIONELLA_DAYS.max);
  return {
    command: 'antiLegionella',
    requested: { periodDays: days },
    setting: 'antiLegionella',
    build: (ctx) => buildAntiLegionella(ctx, days),
    confirmedValue: (status) => (status.antiLegionellaUse === 2 && status.antiLegionellaPeriod === days ? { periodDays: days } : undefined),
  };
}

function planTou(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new ControlInputError('bad-type', { field: 'tou', expected: 'true or false', value: show(value) });
  guard(limits, 'tou', 'tou');
  return {
    command: 'tou',
    requested: value,
    setting: 'tou',
    build: (ctx) => buildTouEnable(ctx, value),
    confirmedValue: (status) => {
      if (typeof status.touStatus !== 'number') return undefined;
      return (status.touStatus !== 0) === value ? value : undefined;
    },
  };
}

// ---- writes added with the weekly program, TOU schedule and the other app controls (NAVILINK.md 5.7-5.11) ----

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  const extra = Object.keys(value).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw new ControlInputError('unknown-key', { key: `${field}.${extra}`, allowed: allowed.join(', ') });
}

/** The codec's schedule errors name field, value and what is allowed; keep that, under our field name. */
function invalid(prefix: string, err: unknown): ControlInputError {
  if (err instanceof ScheduleValidationError) {
    return new ControlInputError('invalid', { field: `${prefix}.${err.field}`, value: show(err.value), allowed: err.allowed });
  }
  const text = err instanceof Error ? err.message : String(err);
  const match = /^(.+?): (.*) is not valid; allowed: (.*)$/.exec(text);
  if (match) return new ControlInputError('invalid', { field: `${prefix}.${match[1]}`, value: match[2], allowed: match[3] });
  return new ControlInputError('invalid', { field: prefix, value: text, allowed: 'see the help' });
}

/** Status-less controls are confirmed by the device's ack: a status whose `command` is the control's code (11.1). */
function acked(code: number): (status: Record<string, unknown>) => boolean {
  return (status) => status.command === code;
}

const SCHEDULE_ENTRY_HELP = "{enabled, days: ['mon', ...], time: 'HH:MM', mode, setpoint}";
let scheduleEdits = 0;

function wireKey(e: WireScheduleEntry): string {
  return [e.week, e.hour, e.min, e.mode, e.param].join(',');
}

/** One entry, validated like a whole program (days, time, mode 1-4, setpoint within the device's limits). */
function scheduleEntry(value: unknown, field: string, unit: TemperatureUnit, limits: ControlLimits, partial: boolean): { wire: WireScheduleEntry; keys: string[] } {
  if (!isPlainObject(value)) throw new ControlInputError('bad-type', { field, expected: `an entry ${SCHEDULE_ENTRY_HELP}`, value: show(value) });
  onlyKeys(value, field, ['enabled', 'days', 'time', 'mode', 'setpoint']);
  if (partial && !('days' in value && 'time' in value)) {
    throw new ControlInputError('bad-type', { field, expected: 'an entry with at least days and time', value: show(value) });
  }
  // A removal may name just days and time; fill the rest with valid placeholders and compare only what was given.
  const filled = partial ? { mode: 'heat-pump', setpoint: fromHalfCelsius(setpointLimits(limits).minRaw, unit), ...value } : value;
  try {
    const wire = encodeReservation({ enabled: true, entries: [filled] } as never, unit, setpointLimits(limits)).reservation[0];
    const keys = partial ? ['days', 'time', 'mode', 'setpoint'].filter((k) => k in value) : [];
    return { wire, keys };
  } catch (err) {
    if (err instanceof ScheduleValidationError) {
      const rest = err.field.replace(/^entries\[0\]\.?/, '');
      throw new ControlInputError('invalid', { field: rest ? `${field}.${rest}` : field, value: show(err.value), allowed: err.allowed });
    }
    throw invalid(field, err);
  }
}

function planSchedule(value: unknown, unit: TemperatureUnit, limits: ControlLimits): PlannedControl {
  const expected = "{enabled, entries: [...]}, {add: entry}, {remove: entry} or {enabled: false}";
  if (!isPlainObject(value)) throw new ControlInputError('bad-type', { field: 'schedule', expected, value: show(value) });
  onlyKeys(value, 'schedule', ['enabled', 'entries', 'add', 'remove']);
  guard(limits, 'schedule', 'schedule');
  const edits = ['entries', 'add', 'remove'].filter((k) => k in value);
  if (edits.length > 1) throw new ControlInputError('conflict', { field: `schedule.${edits[0]}`, other: `schedule.${edits[1]}` });
  if ('enabled' in value && typeof value.enabled !== 'boolean') {
    throw new ControlInputError('bad-type', { field: 'schedule.enabled', expected: 'true or false', value: show(value.enabled) });
  }
  if (edits.length === 0 && !('enabled' in value)) throw new ControlInputError('bad-type', { field: 'schedule', expected, value: show(value) });
  if ((edits[0] === 'add' || edits[0] === 'remove') && 'enabled' in value) {
    throw new ControlInputError('conflict', { field: `schedule.${edits[0]}`, other: 'schedule.enabled' });
  }
  const confirm = (wire: () => WireSchedule | undefined) => (message: InboundMessage) => {
    const sent = wire();
    if (message.kind !== 'reservation' || !sent || !message.response) return undefined;
    return sameSchedule(message.response, sent) ? decodeReservationResponse(message.response, unit) : undefined;
  };
  const base = { command: 'schedule' as const, confirmedValue: () => undefined };

  if (edits[0] === 'entries') {
    let wire: WireSchedule;
    try {
      wire = encodeReservation({ enabled: value.enabled ?? true, entries: value.entries } as never, unit, setpointLimits(limits));
    } catch (err) {
      throw invalid('schedule', err);
    }
    return {
      ...base,
      requested: value,
      setting: 'schedule',
      build: (ctx) => buildReservationWrite(ctx, wire),
      confirmedByReply: confirm(() => wire),
    };
  }

  // Read-modify-write: the device holds one list and every write replaces all of it (5.7).
  let next: WireSchedule | undefined;
  let change: (current: WireSchedule) => WireSchedule;
  if (edits[0] === 'add') {
    const { wire: entry } = scheduleEntry(value.add, 'schedule.add', unit, limits, false);
    change = (current) => {
      const kept = current.reservation.filter((e) => wireKey(e) !== wireKey(entry));
      if (kept.length + 1 > MAX_RESERVATION_ENTRIES) {
        throw new ControlInputError('invalid', { field: 'schedule.add', value: `${kept.length + 1} entries`, allowed: `at most ${MAX_RESERVATION_ENTRIES} entries` });
      }
      return { reservationUse: current.reservationUse, reservation: [...kept, entry] };
    };
  } else if (edits[0] === 'remove') {
    const { wire: pattern, keys } = scheduleEntry(value.remove, 'schedule.remove', unit, limits, true);
    const matches = (e: WireScheduleEntry) =>
      e.week === pattern.week &&
      e.hour === pattern.hour &&
      e.min === pattern.min &&
      (!keys.includes('mode') || e.mode === pattern.mode) &&
      (!keys.includes('setpoint') || e.param === pattern.param);
    change = (current) => {
      const kept = current.reservation.filter((e) => !matches(e));
      if (kept.length === current.reservation.length) throw new ControlInputError('no-entry', { field: 'schedule.remove', value: show(value.remove) });
      return { reservationUse: current.reservationUse, reservation: kept };
    };
  } else {
    const enabled = value.enabled as boolean;
    change = (current) => ({ reservationUse: enabled ? 2 : 1, reservation: current.reservation });
  }
  return {
    ...base,
    requested: value,
    // Each edit builds on the program as it is when it runs: never collapse two of them into one.
    setting: edits.length ? `schedule#${++scheduleEdits}` : 'schedule.enabled',
    async prepare(io, mac) {
      const reply = await io.request(mac, buildReservationRead(io.commandContext(mac)), ['reservation']);
      const response = reply.response ?? {};
      const use = response.reservationUse === 2 || response.reservationUse === 1 ? response.reservationUse : 2;
      next = change({ reservationUse: use, reservation: wireEntries(response.reservation) });
    },
    build: (ctx) => {
      if (!next) throw new Error('schedule: the current program was not read');
      return buildReservationWrite(ctx, next);
    },
    confirmedByReply: confirm(() => next),
  };
}

const TOU_PERIOD_HELP = "{months: ['jan', ...], days: ['mon', ...], start: 'HH:MM', end: 'HH:MM', priceMin, priceMax, decimalPoint}";

function planTouSchedule(value: unknown, limits: ControlLimits): PlannedControl {
  if (!isPlainObject(value)) throw new ControlInputError('bad-type', { field: 'touSchedule', expected: '{enabled, periods: [...]}', value: show(value) });
  onlyKeys(value, 'touSchedule', ['enabled', 'periods']);
  guard(limits, 'touSchedule', 'touSchedule');
  const enabled = value.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new ControlInputError('bad-type', { field: 'touSchedule.enabled', expected: 'true or false', value: show(enabled) });
  const periods = value.periods;
  // Never send the write-shaped message without periods: a device could store "no schedule" (11.6).
  if (!Array.isArray(periods) || periods.length === 0) {
    throw new ControlInputError('bad-type', { field: 'touSchedule.periods', expected: `a non-empty list of periods ${TOU_PERIOD_HELP}`, value: show(periods) });
  }
  periods.forEach((p, i) => {
    if (!isPlainObject(p)) throw new ControlInputError('bad-type', { field: `touSchedule.periods[${i}]`, expected: `a period ${TOU_PERIOD_HELP}`, value: show(p) });
    onlyKeys(p, `touSchedule.periods[${i}]`, ['months', 'days', 'start', 'end', 'priceMin', 'priceMax', 'decimalPoint']);
    for (const key of ['start', 'end']) {
      if (typeof p[key] !== 'string') throw new ControlInputError('invalid', { field: `touSchedule.periods[${i}].${key}`, value: show(p[key]), allowed: "a time 'HH:MM' from 00:00 to 23:59" });
    }
  });
  let wire: WireTouPeriod[];
  try {
    wire = encodeTouPeriods(periods as TouPeriod[]);
  } catch (err) {
    throw invalid('touSchedule', err);
  }
  const serial = limits.features?.serial;
  if (!serial) throw new ControlInputError('no-serial', { field: 'touSchedule' });
  return {
    command: 'touSchedule',
    requested: value,
    setting: 'touSchedule',
    build: (ctx) => buildTouScheduleWrite(ctx, serial, enabled, wire),
    confirmedValue: () => undefined,
    confirmedByReply: (message) => {
      if (message.kind !== 'tou-echo') return undefined;
      const echo = decodeTouEcho(message.response);
      return echo.enabled === enabled && sameTouPeriods(echo.wire, wire) ? { enabled, periods: echo.periods } : undefined;
    },
  };
}

function planDemandResponse(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new ControlInputError('bad-type', { field: 'demandResponse', expected: 'true or false', value: show(value) });
  guard(limits, 'demandResponse', 'demandResponse');
  // No status field reports participation (7.9): the device's ack of this very command confirms it.
  const isAck = acked(value ? COMMANDS.demandResponseOn : COMMANDS.demandResponseOff);
  return {
    command: 'demandResponse',
    requested: value,
    setting: 'demandResponse',
    build: (ctx) => buildDemandResponse(ctx, value),
    confirmedValue: (status) => (isAck(status) ? value : undefined),
  };
}

function planAirFilter(value: unknown, limits: ControlLimits): PlannedControl {
  guard(limits, 'airFilter', 'airFilter');
  if (value === 'reset') {
    return {
      command: 'airFilter',
      requested: 'reset',
      setting: 'airFilter.reset',
      build: (ctx) => buildAirFilterReset(ctx),
      confirmedValue: (status) => (status.airFilterAlarmElapsed === 0 ? 'reset' : undefined),
    };
  }
  const { min, max } = AIR_FILTER_HOURS_RANGE;
  const allowed = `'reset', 0 (alarm off) or hours ${min}-${max} in steps of ${AIR_FILTER_HOURS_STEP}`;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ControlInputError('bad-type', { field: 'airFilter', expected: allowed, value: show(value) });
  if (value !== 0 && (value < min || value > max || value % AIR_FILTER_HOURS_STEP !== 0)) {
    throw new ControlInputError('invalid', { field: 'airFilter', value: String(value), allowed });
  }
  return {
    command: 'airFilter',
    requested: value,
    setting: 'airFilter.hours',
    build: (ctx) => buildAirFilterLife(ctx, value),
    confirmedValue: (status) => {
      if (value === 0) return status.airFilterAlarmUse === 1 || status.airFilterAlarmPeriod === 0 ? 0 : undefined;
      return status.airFilterAlarmPeriod === value ? value : undefined;
    },
  };
}

function planReservationMode(value: unknown, limits: ControlLimits): PlannedControl {
  if (value !== true) throw new ControlInputError('bad-type', { field: 'reservationMode', expected: 'true (sends the water-program command)', value: show(value) });
  guard(limits, 'reservationMode', 'reservationMode');
  const isAck = acked(COMMANDS.reservationMode);
  return {
    command: 'reservationMode',
    requested: true,
    setting: 'reservationMode',
    build: (ctx) => buildReservationMode(ctx),
    confirmedValue: (status) => (isAck(status) ? true : undefined),
  };
}

const RECIRC_MODE_NAMES = ['always', 'button', 'schedule', 'temperature'];

function planRecirculation(value: unknown, limits: ControlLimits): PlannedControl {
  const expected = `{"mode": ${RECIRC_MODE_NAMES.map((m) => `'${m}'`).join(' | ')}} or {"hotButton": true}`;
  if (!isPlainObject(value)) throw new ControlInputError('bad-type', { field: 'recirculation', expected, value: show(value) });
  onlyKeys(value, 'recirculation', ['mode', 'hotButton']);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new ControlInputError('bad-type', { field: 'recirculation', expected, value: show(value) });
  guard(limits, 'recirculation', 'recirculation');
  if ('hotButton' in value) {
    if (value.hotButton !== true) throw new ControlInputError('bad-type', { field: 'recirculation.hotButton', expected: 'true', value: show(value.hotButton) });
    const isAck = acked(COMMANDS.recircHotButton);
    return {
      command: 'recirculation',
      requested: { hotButton: true },
      setting: 'recirculation.hotButton',
      build: (ctx) => buildRecircHotButton(ctx),
      confirmedValue: (status) => (isAck(status) || status.recircOperationBusy === 2 ? { hotButton: true } : undefined),
    };
  }
  const mode = value.mode;
  if (typeof mode !== 'string' || !RECIRC_MODE_NAMES.includes(mode)) {
    throw new ControlInputError('bad-enum', { field: 'recirculation.mode', value: plain(mode), allowed: RECIRC_MODE_NAMES.join(', ') });
  }
  const id = RECIRC_MODES.idOf(mode) as number;
  return {
    command: 'recirculation',
    requested: { mode },
    setting: 'recirculation.mode',
    build: (ctx) => buildRecircMode(ctx, id),
    confirmedValue: (status) => (status.recircOperationMode === id ? { mode } : undefined),
  };
}

// ---- timed actions that restore (boost, vacation) ----

export type TimedRequest =
  | { kind: 'boost'; requested: unknown; setpointRaw?: number; modeId?: number; minutes: number; untilCharge?: number }
  | { kind: 'boost-cancel'; requested: false }
  | { kind: 'vacation'; requested: unknown; days: number; restore: boolean }
  | { kind: 'vacation-end'; requested: false };

/** 72 h: as long as the device's own override windows (touOverrideStatus, Electric mode's revert). */
export const BOOST_MAX_MINUTES = 72 * 60;
/** A boost that waits for a tank charge still ends after this long if the charge is never reached. */
export const BOOST_CHARGE_CAP_MINUTES = 12 * 60;
const BOOST_MODES = WRITABLE_MODES.filter((m) => m !== 'vacation');

function planBoost(value: unknown, unit: TemperatureUnit, limits: ControlLimits): TimedRequest {
  if (value === false) {
    if (limits.readOnly) throw new ControlInputError('read-only', { field: 'boost' });
    return { kind: 'boost-cancel', requested: false };
  }
  const expected = '{setpoint, mode, minutes} or {setpoint, mode, untilCharge: 1-100}, or false to end it';
  if (!isPlainObject(value)) throw new ControlInputError('bad-type', { field: 'boost', expected, value: show(value) });
  onlyKeys(value, 'boost', ['setpoint', 'mode', 'minutes', 'untilCharge']);
  if (!('setpoint' in value) && !('mode' in value)) throw new ControlInputError('bad-type', { field: 'boost', expected, value: show(value) });
  let setpointRawValue: number | undefined;
  let modeId: number | undefined;
  if ('setpoint' in value) {
    const sp = value.setpoint;
    if (typeof sp !== 'number' || !Number.isFinite(sp)) throw new ControlInputError('bad-type', { field: 'boost.setpoint', expected: `a number in °${unit}`, value: show(sp) });
    guard(limits, 'boost.setpoint', 'setpoint');
    setpointRawValue = setpointRaw(sp, 'boost.setpoint', unit, limits);
  }
  if ('mode' in value) {
    const mode = value.mode;
    if (typeof mode !== 'string' || !(BOOST_MODES as readonly string[]).includes(mode)) {
      throw new ControlInputError('bad-enum', { field: 'boost.mode', value: plain(mode), allowed: BOOST_MODES.join(', ') });
    }
    guard(limits, 'boost.mode', 'mode');
    guard(limits, `mode '${mode}'`, mode);
    modeId = DHW_MODES.idOf(mode);
  }
  if (limits.readOnly) throw new ControlInputError('read-only', { field: 'boost' });
  let untilCharge: number | undefined;
  if ('untilCharge' in value) untilCharge = integerIn(value.untilCharge, 'boost.untilCharge', 1, 100);
  let minutes: number;
  if ('minutes' in value) {
    const m = value.minutes;
    if (typeof m !== 'number' || !Number.isFinite(m)) throw new ControlInputError('bad-type', { field: 'boost.minutes', expected: `a number of minutes above 0, at most ${BOOST_MAX_MINUTES}`, value: show(m) });
    if (m <= 0 || m > BOOST_MAX_MINUTES) throw new ControlInputError('out-of-range', { field: 'boost.minutes', value: m, min: 'above 0', max: BOOST_MAX_MINUTES });
    minutes = m;
  } else {
    minutes = untilCharge !== undefined ? BOOST_CHARGE_CAP_MINUTES : limits.boostMinutes ?? 60;
  }
  const requested: Record<string, unknown> = { ...value };
  if (!('minutes' in value) && untilCharge === undefined) requested.minutes = minutes;
  return { kind: 'boost', requested, setpointRaw: setpointRawValue, modeId, minutes, untilCharge };
}

function planVacation(value: unknown, limits: ControlLimits): TimedRequest {
  guard(limits, 'vacation', 'vacation');
  if (value === false) return { kind: 'vacation-end', requested: false };
  const expected = '{"days": 1-30} (optionally "restore": true), or false to end it';
  if (!isPlainObject(value)) throw new ControlInputError('bad-type', { field: 'vacation', expected, value: show(value) });
  onlyKeys(value, 'vacation', ['days', 'restore']);
  const days = integerIn(value.days, 'vacation.days', VACATION_DAYS.min, VACATION_DAYS.max);
  const restore = value.restore ?? false;
  if (typeof restore !== 'boolean') throw new ControlInputError('bad-type', { field: 'vacation.restore', expected: 'true or false', value: show(restore) });
  return { kind: 'vacation', requested: { days, restore }, days, restore };
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ControlInputError('bad-type', { field, expected: `a whole number ${min}-${max}`, value: show(value) });
  }
  if (value < min || value > max) throw new ControlInputError('out-of-range', { field, value, min, max });
  return value;
}

function parseUnit(value: unknown): TemperatureUnit | undefined {
  if (value === 'F' || value === 'C') return value;
  if (value === undefined || value === null || value === '') return undefined;
  throw new ControlInputError('bad-enum', { field: 'msg.unit', value: plain(value), allowed: 'F, C' });
}

/** For messages that already quote the value ('__value__'): a string as it is, anything else as JSON. */
function plain(value: unknown): string {
  return typeof value === 'string' ? (value.length > 60 ? `${value.slice(0, 57)}...` : value) : show(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}
