/**
 * Builders for every outbound MQTT message (docs/protocol.md#request-envelope, #commands), as publishable envelopes.
 */
import { DHW_MODES, DHW_MODE_VACATION, RECIRC_MODES } from './enums';
import { WireSchedule } from './schedule';
import { MAX_TOU_PERIODS, WireTouPeriod } from './tou';

export interface CommandDevice {
  mac: string;
  /** From the device list, verbatim (always sent as a string). */
  additionalValue: string;
  deviceType: number;
  /** Needed only for the diagnostics query's five-segment reply topic; 0 when unknown. */
  homeSeq?: number;
}

export interface CommandContext {
  clientId: string;
  sessionId: string;
  device: CommandDevice;
  /** The account's `userSeq` from sign-in, for the five-segment reply topic; 0 when unknown. */
  userSeq?: number;
}

export interface OutboundMessage {
  topic: string;
  qos: 1;
  payload: Record<string, unknown>;
}

export const PROTOCOL_VERSION = 2;
export const NWP500_DEVICE_TYPE = 52;

/**
 * Command codes (docs/protocol.md#command-codes). The reservation write shares 16777226 with the monthly energy query.
 */
export const COMMANDS = {
  deviceInfo: 16777217,
  sessionEnd: 16777218,
  status: 16777219,
  reservationRead: 16777222,
  energyHourly: 16777224,
  energyDaily: 16777225,
  energyMonthly: 16777226,
  reservationWrite: 16777226,
  firmwareInfo: 16777227,
  diagnostics: 16777228,
  recircScheduleRead: 16777231,
  powerOff: 33554433,
  powerOn: 33554434,
  dhwMode: 33554437,
  touScheduleWrite: 33554439,
  recircScheduleWrite: 33554440,
  reservationMode: 33554441,
  firmwareCommit: 33554442,
  recircHotButton: 33554444,
  recircMode: 33554445,
  condenserFaultReset: 33554463,
  dhwTemperature: 33554464,
  vacationDays: 33554466,
  intelligentOff: 33554467,
  intelligentOn: 33554468,
  demandResponseOff: 33554469,
  demandResponseOn: 33554470,
  antiLegionellaOff: 33554471,
  antiLegionellaOn: 33554472,
  airFilterReset: 33554473,
  airFilterLife: 33554474,
  touOff: 33554475,
  touOn: 33554476,
} as const;

/**
 * Codes 0x04xxxxxx only appear in the `command` field of device-initiated status pushes
 * (docs/protocol.md#command-codes).
 */
export function isPushCommand(code: number): boolean {
  return code >= 0x04000000 && code < 0x05000000;
}

/**
 * docs/protocol.md#dhw-mode, #verified-vs-uncertain: nwp500-python accepts 1-30 vacation days, other docs
 * 99; 30 until verified.
 */
export const VACATION_DAYS_RANGE = { min: 1, max: 30 } as const;
export const ANTI_LEGIONELLA_DAYS_RANGE = { min: 1, max: 30 } as const;
/**
 * docs/protocol.md#other-controls: the interval is sent as hours / 500; 0 turns the alarm off, otherwise 1000-10000 h.
 */
export const AIR_FILTER_HOURS_STEP = 500;
export const AIR_FILTER_HOURS_RANGE = { min: 1000, max: 10000 } as const;
/**
 * docs/protocol.md#verified-vs-uncertain: the hot-button param is disputed ([1] vs kbuck1's [2]); [1] until verified.
 */
export const RECIRC_HOT_BUTTON_PARAM = 1;

// ---- topics ----

/** Subscription for everything under a device: replies, pushes, echoes, ctrl-fail (docs/protocol.md#topics). */
export function deviceTopicFilter(deviceType: number, mac: string): string {
  return `cmd/${deviceType}/navilink-${mac}/#`;
}

/** Subscription for the client-keyed query replies, shared by all devices (docs/protocol.md#topics). */
export function clientReplyFilter(deviceType: number, clientId: string): string {
  return `cmd/${deviceType}/${clientId}/res/#`;
}

/** Optional subscription for a device's connection events (docs/protocol.md#topics). */
export function deviceEventFilter(deviceType: number, mac: string): string {
  return `evt/${deviceType}/navilink-${mac}/#`;
}

/** The control ack topic: replies to `st`, `st/did` and every `ctrl` command. */
export function ackTopic(deviceType: number, mac: string, clientId: string): string {
  return `cmd/${deviceType}/navilink-${mac}/${clientId}/res`;
}

export function deviceRequestTopic(deviceType: number, mac: string, suffix: string): string {
  return `cmd/${deviceType}/navilink-${mac}/${suffix}`;
}

export function clientReplyTopic(deviceType: number, clientId: string, suffix: string): string {
  return `cmd/${deviceType}/${clientId}/res/${suffix}`;
}

/**
 * Subscription for the app-form replies of one home: the installer diagnostics reply arrives only there
 * (docs/protocol.md#reply-topics). Same userSeq as the query's appReplyTopic.
 */
export function appReplyFilter(deviceType: number, homeSeq: number, userSeq: number, clientId: string): string {
  return `cmd/${deviceType}/${homeSeq}/${userSeq}/${clientId}/res/#`;
}

/**
 * The app's five-segment reply topic. Which number the cloud expects as `userSeq` is uncertain
 * (docs/protocol.md#reply-topics): the phone app sends the account's `userInfo.userSeq` from sign-in, nwp500-python 0.
 * We send the account's, as the app does. Callers pass it in; AccountConnection.commandContext picks it.
 */
export function appReplyTopic(deviceType: number, homeSeq: number, userSeq: number, clientId: string, suffix: string): string {
  return `cmd/${deviceType}/${homeSeq}/${userSeq}/${clientId}/res/${suffix}`;
}

// ---- envelope ----

function envelope(ctx: CommandContext, suffix: string, responseTopic: string, request: Record<string, unknown>): OutboundMessage {
  const { device } = ctx;
  const requestTopic = deviceRequestTopic(device.deviceType, device.mac, suffix);
  return {
    topic: requestTopic,
    qos: 1,
    payload: {
      clientID: ctx.clientId,
      sessionID: ctx.sessionId,
      protocolVersion: PROTOCOL_VERSION,
      requestTopic,
      responseTopic,
      request: {
        command: request.command,
        deviceType: device.deviceType,
        macAddress: device.mac,
        additionalValue: String(device.additionalValue),
        ...request,
      },
    },
  };
}

function ack(ctx: CommandContext): string {
  return ackTopic(ctx.device.deviceType, ctx.device.mac, ctx.clientId);
}

function clientReply(ctx: CommandContext, suffix: string): string {
  return clientReplyTopic(ctx.device.deviceType, ctx.clientId, suffix);
}

/** Queries on the ack topic or elsewhere: `{command, deviceType, macAddress, additionalValue}` only. */
function query(ctx: CommandContext, command: number, suffix: string, responseTopic: string, extra: Record<string, unknown> = {}): OutboundMessage {
  return envelope(ctx, suffix, responseTopic, { command, ...extra });
}

/** A mode/param control on `ctrl`, answered on the ack topic. */
function control(ctx: CommandContext, command: number, mode: string, param: number[] = []): OutboundMessage {
  return envelope(ctx, 'ctrl', ack(ctx), { command, mode, param, paramStr: '' });
}

function requireInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field}: ${JSON.stringify(value)} is not valid; allowed: a whole number ${min}-${max}`);
  }
  return value;
}

// ---- queries ----

export function buildStatusRequest(ctx: CommandContext): OutboundMessage {
  return query(ctx, COMMANDS.status, 'st', ack(ctx));
}

export function buildDeviceInfoRequest(ctx: CommandContext): OutboundMessage {
  return query(ctx, COMMANDS.deviceInfo, 'st/did', ack(ctx));
}

/** No reply; its effect on other clients of the device is unknown - make sending it opt-in. */
export function buildSessionEnd(ctx: CommandContext): OutboundMessage {
  return query(ctx, COMMANDS.sessionEnd, 'st/end', ack(ctx));
}

export function buildReservationRead(ctx: CommandContext): OutboundMessage {
  return query(ctx, COMMANDS.reservationRead, 'st/rsv/rd', clientReply(ctx, 'rsv/rd'));
}

export function buildRecircScheduleRead(ctx: CommandContext): OutboundMessage {
  return query(ctx, COMMANDS.recircScheduleRead, 'st/recirc-rsv/rd', clientReply(ctx, 'recirc-rsv/rd'));
}

/**
 * The reply arrives on the device-keyed `res/dl-sw-info` whatever is asked for (docs/protocol.md#firmware-download).
 */
export function buildFirmwareInfoQuery(ctx: CommandContext): OutboundMessage {
  const { deviceType, mac } = ctx.device;
  return query(ctx, COMMANDS.firmwareInfo, 'st/dl-sw-info', deviceRequestTopic(deviceType, mac, 'res/dl-sw-info'));
}

/** The cloud decodes the reply into JSON only for the five-segment reply topic (docs/protocol.md#queries). */
export function buildDiagnosticsQuery(ctx: CommandContext): OutboundMessage {
  const { deviceType, homeSeq } = ctx.device;
  return query(ctx, COMMANDS.diagnostics, 'st/td/rd', appReplyTopic(deviceType, homeSeq ?? 0, ctx.userSeq ?? 0, ctx.clientId, 'td/rd'));
}

function months(list: readonly number[]): number[] {
  if (!Array.isArray(list) || list.length === 0) throw new RangeError('months: [] is not valid; allowed: a non-empty list of months 1-12');
  return list.map((m, i) => requireInteger(m, `months[${i}]`, 1, 12));
}

/** Daily energy for one or more months of `year` (docs/protocol.md#energy-queries). */
export function buildEnergyDailyQuery(ctx: CommandContext, year: number, monthList: readonly number[]): OutboundMessage {
  const suffix = 'energy-usage-daily-query/rd';
  return query(ctx, COMMANDS.energyDaily, `st/${suffix}`, clientReply(ctx, suffix), {
    year: requireInteger(year, 'year', 2000, 2100),
    month: months(monthList),
  });
}

/** Monthly energy for one or more years (the app sends the previous and current year). */
export function buildEnergyMonthlyQuery(ctx: CommandContext, years: readonly number[]): OutboundMessage {
  if (!Array.isArray(years) || years.length === 0) throw new RangeError('years: [] is not valid; allowed: a non-empty list of years');
  const suffix = 'energy-usage-monthly-query/rd';
  return query(ctx, COMMANDS.energyMonthly, `st/${suffix}`, clientReply(ctx, suffix), {
    year: years.map((y, i) => requireInteger(y, `years[${i}]`, 2000, 2100)),
  });
}

/** App-only: the NWP500 never answered it (docs/protocol.md#energy-queries); provided for completeness. */
export function buildEnergyHourlyQuery(ctx: CommandContext, year: number, month: number, days: readonly number[]): OutboundMessage {
  const suffix = 'energy-usage-hourly-query/rd';
  return query(ctx, COMMANDS.energyHourly, `st/${suffix}`, clientReply(ctx, suffix), {
    year: requireInteger(year, 'year', 2000, 2100),
    month: requireInteger(month, 'month', 1, 12),
    day: days.map((d, i) => requireInteger(d, `days[${i}]`, 1, 31)),
  });
}

// ---- controls ----

export function buildPowerCommand(ctx: CommandContext, on: boolean): OutboundMessage {
  return on ? control(ctx, COMMANDS.powerOn, 'power-on') : control(ctx, COMMANDS.powerOff, 'power-off');
}

/**
 * DHW mode by id (1-5) or name. Vacation (5) needs the day count as a second param; entering
 * vacation this way is what the app does (`goout-day` only edits the count).
 */
export function buildModeCommand(ctx: CommandContext, mode: number | string, vacationDays?: number): OutboundMessage {
  const id = typeof mode === 'string' ? DHW_MODES.idOf(mode) : mode;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 5) {
    throw new RangeError(`mode: ${JSON.stringify(mode)} is not valid; allowed: heat-pump, electric, energy-saver, high-demand, vacation (1-5)`);
  }
  if (id !== DHW_MODE_VACATION) return control(ctx, COMMANDS.dhwMode, 'dhw-mode', [id]);
  const days = requireInteger(vacationDays, 'vacationDays', VACATION_DAYS_RANGE.min, VACATION_DAYS_RANGE.max);
  return control(ctx, COMMANDS.dhwMode, 'dhw-mode', [id, days]);
}

/** Target temperature, already encoded in half-degrees Celsius (see `toHalfCelsius`). */
export function buildSetpointCommand(ctx: CommandContext, halfCelsiusRaw: number): OutboundMessage {
  return control(ctx, COMMANDS.dhwTemperature, 'dhw-temperature', [requireInteger(halfCelsiusRaw, 'setpoint (half-°C)', 0, 255)]);
}

/** On with a period in days (1-30), or `false` for off; the period can only change by re-sending "on". */
export function buildAntiLegionella(ctx: CommandContext, periodDays: number | false): OutboundMessage {
  if (periodDays === false) return control(ctx, COMMANDS.antiLegionellaOff, 'anti-leg-off');
  const days = requireInteger(periodDays, 'periodDays', ANTI_LEGIONELLA_DAYS_RANGE.min, ANTI_LEGIONELLA_DAYS_RANGE.max);
  return control(ctx, COMMANDS.antiLegionellaOn, 'anti-leg-on', [days]);
}

/** Enables/disables TOU scheduling without touching the stored schedule. */
export function buildTouEnable(ctx: CommandContext, on: boolean): OutboundMessage {
  return on ? control(ctx, COMMANDS.touOn, 'tou-on') : control(ctx, COMMANDS.touOff, 'tou-off');
}

export function buildDemandResponse(ctx: CommandContext, on: boolean): OutboundMessage {
  return on ? control(ctx, COMMANDS.demandResponseOn, 'dr-on') : control(ctx, COMMANDS.demandResponseOff, 'dr-off');
}

export function buildIntelligent(ctx: CommandContext, on: boolean): OutboundMessage {
  return on ? control(ctx, COMMANDS.intelligentOn, 'intelligent-on') : control(ctx, COMMANDS.intelligentOff, 'intelligent-off');
}

export function buildReservationMode(ctx: CommandContext): OutboundMessage {
  return control(ctx, COMMANDS.reservationMode, 'reservation-mode');
}

export function buildAirFilterReset(ctx: CommandContext): OutboundMessage {
  return control(ctx, COMMANDS.airFilterReset, 'air-filter-reset');
}

/** Filter service interval in hours: 0 = alarm off, else 1000-10000 in 500 h steps. */
export function buildAirFilterLife(ctx: CommandContext, hours: number): OutboundMessage {
  const valid =
    hours === 0 ||
    (Number.isInteger(hours) && hours >= AIR_FILTER_HOURS_RANGE.min && hours <= AIR_FILTER_HOURS_RANGE.max && hours % AIR_FILTER_HOURS_STEP === 0);
  if (!valid) {
    throw new RangeError(`hours: ${JSON.stringify(hours)} is not valid; allowed: 0 (alarm off) or 1000-10000 in steps of 500`);
  }
  return control(ctx, COMMANDS.airFilterLife, 'air-filter-life', [hours / AIR_FILTER_HOURS_STEP]);
}

/** Changes the stored vacation day count only; it does not enter vacation (use `buildModeCommand`). */
export function buildVacationDays(ctx: CommandContext, days: number): OutboundMessage {
  return control(ctx, COMMANDS.vacationDays, 'goout-day', [requireInteger(days, 'days', VACATION_DAYS_RANGE.min, VACATION_DAYS_RANGE.max)]);
}

export function buildCondenserFaultReset(ctx: CommandContext): OutboundMessage {
  return control(ctx, COMMANDS.condenserFaultReset, 'cond-fault-reset');
}

/** Recirculation mode by id (1-4) or name (always, button, schedule, temperature). */
export function buildRecircMode(ctx: CommandContext, mode: number | string): OutboundMessage {
  const id = typeof mode === 'string' ? RECIRC_MODES.idOf(mode) : mode;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 4) {
    throw new RangeError(`mode: ${JSON.stringify(mode)} is not valid; allowed: always, button, schedule, temperature (1-4)`);
  }
  return control(ctx, COMMANDS.recircMode, 'recirc-mode', [id]);
}

export function buildRecircHotButton(ctx: CommandContext): OutboundMessage {
  return control(ctx, COMMANDS.recircHotButton, 'recirc-hotbtn', [RECIRC_HOT_BUTTON_PARAM]);
}

// ---- schedule writes ----

/** Replaces the device's whole reservation program (encode with `encodeReservation`). */
export function buildReservationWrite(ctx: CommandContext, schedule: WireSchedule): OutboundMessage {
  return envelope(ctx, 'ctrl/rsv/rd', clientReply(ctx, 'rsv/rd'), {
    command: COMMANDS.reservationWrite,
    reservationUse: schedule.reservationUse,
    reservation: schedule.reservation,
  });
}

/** Replaces the recirculation schedule (encode with `encodeRecircSchedule`); shape app-derived, unverified. */
export function buildRecircScheduleWrite(ctx: CommandContext, schedule: WireSchedule): OutboundMessage {
  return envelope(ctx, 'ctrl/recirc-rsv/rd', clientReply(ctx, 'recirc-rsv/rd'), {
    command: COMMANDS.recircScheduleWrite,
    reservationUse: schedule.reservationUse,
    reservation: schedule.reservation,
  });
}

/**
 * Writes a TOU schedule. Refuses an empty period list: the write-shaped message without a
 * schedule might be stored as "empty schedule" (docs/protocol.md#tou-schedule), and there is no MQTT read.
 */
export function buildTouScheduleWrite(ctx: CommandContext, serial: string, enabled: boolean, periods: readonly WireTouPeriod[]): OutboundMessage {
  if (typeof serial !== 'string' || serial === '') {
    throw new RangeError('serial: "" is not valid; allowed: the controllerSerialNumber from the feature record');
  }
  if (!Array.isArray(periods) || periods.length === 0 || periods.length > MAX_TOU_PERIODS) {
    throw new RangeError(`periods: ${Array.isArray(periods) ? periods.length : 0} periods is not valid; allowed: 1-${MAX_TOU_PERIODS} periods`);
  }
  return envelope(ctx, 'ctrl/tou/rd', clientReply(ctx, 'tou/rd'), {
    command: COMMANDS.touScheduleWrite,
    controllerSerialNumber: serial,
    reservationUse: enabled ? 2 : 1,
    reservation: periods.map((p: WireTouPeriod) => ({ ...p })),
  });
}

// ---- events ----

/**
 * Optional "app connected" signal in nwp500-python's form (docs/protocol.md#app-connection); timestamp is
 * ISO-8601 UTC to the second.
 */
export function buildAppConnection(ctx: CommandContext, now: Date = new Date()): OutboundMessage {
  return {
    topic: `evt/${ctx.device.deviceType}/navilink-${ctx.device.mac}/app-connection`,
    qos: 1,
    payload: { clientID: ctx.clientId, timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  };
}
