// One simulated NWP500: answers the MGPP requests published on cmd/52/navilink-{mac}/... (docs/protocol.md),
// keeps its state, heats/cools over simulated time and pushes unsolicited status.
import { EventEmitter } from 'node:events';
import { CAPTURED_STATUS, DEFAULT_FEATURE, DEFAULT_FIRMWARES, NEWER_FIRMWARE_STATUS, type FeatureFields, type FirmwareComponent, type StatusFields } from './defaults';
import { dailyReport, monthlyReport, type EnergyItem } from './energy';
import { packScheduleHex, parseSchedule, type Schedule, type ScheduleEntry } from './schedules';
import { litresBetween, type ScheduledDraw } from './draws';
import { COMPRESSOR_W, DEFAULT_AMBIENT_C, ELEMENT_W, IDLE_W, MIN_SETPOINT_C, TANK_WH_PER_K, stepTank, type TankState } from './thermal';

export const DEVICE_TYPE = 52;

export interface DeviceOptions {
  macAddress?: string;
  additionalValue?: string;
  deviceName?: string;
  serialNumber?: string;
  homeSeq?: number;
  /** Adds a recirculation pump (feature `recirculationUse` 2); recirc-mode / hot button only work with it. */
  recirculation?: boolean;
  /** Starts offline: never answers; the device list shows `connected` 1. */
  offline?: boolean;
  /** Raw status fields overriding the captured start state. */
  status?: StatusFields;
  /** Raw feature fields overriding the composite feature block. */
  feature?: FeatureFields;
  /** The installer contact `/device/info` returns (all null when absent, as in the capture). */
  installer?: InstallerContact;
}

/** `installer` of `/device/info` (docs/protocol.md#device-info). */
export interface InstallerContact {
  installerId: string | null;
  installerFirstName: string | null;
  installerLastName: string | null;
  installerPhoneNumber: string | null;
}

/** One element of the `dl-sw-info` reply (docs/protocol.md#firmware-download). */
export interface FirmwareDownloadItem {
  swCode: number;
  otaMode: number;
  swVersion: number;
  status: number;
}

/** What a unit with nothing pending sends: one all-zero element (docs/protocol.md#firmware-download). */
const NOTHING_PENDING: FirmwareDownloadItem = Object.freeze({ swCode: 0, otaMode: 0, swVersion: 0, status: 0 });

export interface DeviceTiming {
  /** Real milliseconds between physics steps. */
  tickMs: number;
  /** Simulated seconds per real second; 0 freezes the physics. */
  speed: number;
  /** Real milliseconds before a reply is published (the cloud takes 2-4 s; tests want less). */
  replyDelayMs: number;
  /** Real milliseconds between a control's ack and its follow-up pushes. */
  pushDelayMs: number;
  /** Minimum real milliseconds between two physics-driven pushes. */
  minPushIntervalMs: number;
}

/** Where replies go; the simulator wires this to the broker. */
export type Publisher = (topic: string, payload: unknown) => void;

export interface ReceivedRequest {
  at: number;
  mac: string;
  topic: string;
  /** The parsed envelope (undefined when the payload was not JSON). */
  payload: unknown;
  clientID?: string;
  command?: number;
  mode?: string;
  /** What the device did with it. */
  outcome: 'answered' | 'ignored' | 'offline' | 'ctrl-fail' | 'refused';
  /** Why it was ignored or refused. */
  reason?: string;
}

interface Envelope {
  clientID: string;
  sessionID: string;
  protocolVersion: number;
  requestTopic: string;
  responseTopic: string;
  request: Record<string, unknown>;
}

/** Control mode string -> command code (docs/protocol.md#command-codes). */
export const CONTROL_CODES: Readonly<Record<string, number>> = Object.freeze({
  'power-off': 33554433,
  'power-on': 33554434,
  'dhw-mode': 33554437,
  'reservation-mode': 33554441,
  'recirc-hotbtn': 33554444,
  'recirc-mode': 33554445,
  'cond-fault-reset': 33554463,
  'dhw-temperature': 33554464,
  'goout-day': 33554466,
  'intelligent-off': 33554467,
  'intelligent-on': 33554468,
  'dr-off': 33554469,
  'dr-on': 33554470,
  'anti-leg-off': 33554471,
  'anti-leg-on': 33554472,
  'air-filter-reset': 33554473,
  'air-filter-life': 33554474,
  'tou-off': 33554475,
  'tou-on': 33554476,
});

/** Request topic suffix -> expected command code. */
const TOPIC_COMMANDS: Readonly<Record<string, number>> = Object.freeze({
  st: 16777219,
  'st/did': 16777217,
  'st/end': 16777218,
  'st/rsv/rd': 16777222,
  'st/energy-usage-hourly-query/rd': 16777224,
  'st/energy-usage-daily-query/rd': 16777225,
  'st/energy-usage-monthly-query/rd': 16777226,
  'st/dl-sw-info': 16777227,
  'st/td/rd': 16777228,
  'st/recirc-rsv/rd': 16777231,
  'ctrl/rsv/rd': 16777226,
  'ctrl/tou/rd': 33554439,
  'ctrl/recirc-rsv/rd': 33554440,
  'ctrl/commit-ota': 33554442,
});

export const PUSH_COMMANDS = { afterControl: 67108883, settled: 67108892, spontaneous: 67108868 } as const;

/** Lifetime totals of the captured energy reply; simulated run time is added on top. */
const LIFETIME_BASE: EnergyItem = { heUsage: 146337, hpUsage: 1266585, heTime: 35, hpTime: 3124 };

const isInt = (v: unknown): v is number => Number.isInteger(v);

/** What a weekly-program read answers in one form instead of the real reply (SimulatedDevice.reservationReadFault). */
export type ReservationReadFault = (form: 'json' | 'hex', reply: Record<string, unknown>) => Record<string, unknown> | undefined;

export class SimulatedDevice extends EventEmitter {
  readonly macAddress: string;
  readonly additionalValue: string;
  readonly deviceType = DEVICE_TYPE;
  deviceName: string;
  readonly serialNumber: string;
  readonly homeSeq: number;
  readonly hasRecirculation: boolean;
  /** Live status fields (raw wire values); read and write freely. */
  readonly status: StatusFields;
  readonly feature: FeatureFields;
  offline: boolean;
  reservations: Schedule = { reservationUse: 1, reservation: [] };
  /**
   * Fault switch: weekly-program reads (`st/rsv/rd`) are answered with what this returns for each form, given the
   * reply it stands for (`json`: the list on the requested topic, `hex`: its packed twin); undefined sends no reply
   * of that form. The program itself stays as it is. Unset (undefined) = real replies.
   */
  reservationReadFault: ReservationReadFault | undefined;
  recircSchedule: Schedule = { reservationUse: 1, reservation: [] };
  /** The same fault switch for recirculation schedule reads (`st/recirc-rsv/rd`). */
  recircReadFault: ReservationReadFault | undefined;
  /** Last TOU schedule written over MQTT (`ctrl/tou/rd`); not linked to the REST plan. */
  touSchedule: { reservationUse: number; reservation: Array<Record<string, number>> } | undefined;
  /** The installer contact of `/device/info`. */
  readonly installer: InstallerContact;
  /** The components `/device/firmware/info` lists (per-device fields are added at reply time); tests may edit them. */
  firmwares: FirmwareComponent[] = DEFAULT_FIRMWARES.map((f) => ({ ...f }));
  /** What `dl-sw-info` answers; see setFirmwareUpdate. */
  firmwareDownload: FirmwareDownloadItem[] = [{ ...NOTHING_PENDING }];
  /** Demand-response participation and intelligent mode have no documented status field; kept here. */
  drEnabled = true;
  intelligentEnabled = false;
  /** Hot water being drawn, litres per minute (0 = none). */
  drawLpm = 0;
  /** Scripted draws on the simulated clock, on top of `drawLpm`. */
  scheduledDraws: ScheduledDraw[] = [];
  /** Simulated milliseconds since start. */
  simElapsedMs = 0;

  private readonly tank: TankState;
  private previousMode: number;
  private vacationEndsAtSimMs: number | undefined;
  private hotButtonEndsAtSimMs: number | undefined;
  private readonly lifetime: EnergyItem = { heUsage: 0, hpUsage: 0, heTime: 0, hpTime: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private tickTimer: NodeJS.Timeout | undefined;
  private lastPushAt = 0;
  private lastSignature = '';
  private lastControlAt = 0;
  private failNext = 0;
  /** Weekly-program writes still to lose the echo of (loseProgramWrites), and whether those still land. */
  private lostProgramWrites = 0;
  private lostProgramWritesApply = true;
  private sessionCounter = 0;
  private fanHours = 0;
  private filterHours = 0;
  private running = false;
  private throttleMinIntervalMs = 0;
  /** Flow of the scripted draws during the last step, l/min. */
  private scheduledLpm = 0;

  constructor(
    opts: DeviceOptions,
    private readonly publish: Publisher,
    private timing: DeviceTiming,
  ) {
    super();
    this.macAddress = (opts.macAddress ?? '0a1b2c3d4e5f').toLowerCase();
    if (!/^[0-9a-f]{12}$/.test(this.macAddress)) throw new Error(`invalid MAC ${opts.macAddress}`);
    this.additionalValue = opts.additionalValue ?? '1234';
    this.deviceName = opts.deviceName ?? 'NWP500';
    this.serialNumber = opts.serialNumber ?? 'TEST0000SN00000001';
    this.homeSeq = opts.homeSeq ?? 20001;
    this.hasRecirculation = opts.recirculation ?? false;
    this.offline = opts.offline ?? false;
    this.installer = { installerId: null, installerFirstName: null, installerLastName: null, installerPhoneNumber: null, ...opts.installer };
    this.feature = {
      ...DEFAULT_FEATURE,
      controllerSerialNumber: this.serialNumber,
      ...(this.hasRecirculation ? { recirculationUse: 2, recircModelTypeCode: 1, recircSwVersion: 1 } : {}),
      ...opts.feature,
    };
    this.status = {
      ...CAPTURED_STATUS,
      ...NEWER_FIRMWARE_STATUS,
      ...(this.hasRecirculation ? { recircOperationMode: 2, recircTempSetting: 90, recircTemperature: 84, recircHotBtnReady: 2 } : {}),
      ...opts.status,
    };
    this.previousMode = this.status.dhwOperationSetting === 6 ? 3 : this.status.dhwOperationSetting;
    this.tank = {
      upperC: this.status.tankUpperTemperature / 10,
      lowerC: this.status.tankLowerTemperature / 10,
      compressor: false,
      upperElement: false,
      lowerElement: false,
    };
    this.refreshDerived();
    this.lastSignature = this.signature();
  }

  /** Starts the physics timer (the simulator calls this once everything else is up). */
  start(): void {
    this.running = true;
    this.restartTicker();
  }

  get topicPrefix(): string {
    return `cmd/${DEVICE_TYPE}/navilink-${this.macAddress}`;
  }

  /** Push topic for unsolicited status. The real suffix is unknown (fixtures/README.md: "somewhere under
   * cmd/52/navilink-{mac}/#"), so clients must not depend on it. */
  get pushTopic(): string {
    return `${this.topicPrefix}/st/push`;
  }

  setTiming(timing: Partial<DeviceTiming>): void {
    this.timing = { ...this.timing, ...timing };
    this.restartTicker();
  }

  /** The simulated tank's own zone temperatures, °C (what tests judge the planner by, not a status decoded back). */
  tankTemperatures(): { upperC: number; lowerC: number } {
    return { upperC: this.tank.upperC, lowerC: this.tank.lowerC };
  }

  /** Overwrites raw status fields; the tank temperatures follow `tankUpperTemperature`/`tankLowerTemperature`. */
  setStatus(fields: StatusFields, push = false): void {
    Object.assign(this.status, fields);
    if ('tankUpperTemperature' in fields) this.tank.upperC = fields.tankUpperTemperature / 10;
    if ('tankLowerTemperature' in fields) this.tank.lowerC = fields.tankLowerTemperature / 10;
    if ('dhwOperationSetting' in fields && fields.dhwOperationSetting >= 1 && fields.dhwOperationSetting <= 4) {
      this.previousMode = fields.dhwOperationSetting;
    }
    if (push) this.pushStatus(PUSH_COMMANDS.spontaneous);
  }

  /** Snapshot of the status as it would be sent now. */
  snapshot(): StatusFields {
    return { ...this.status };
  }

  energyTotals(): EnergyItem {
    return {
      heUsage: LIFETIME_BASE.heUsage + Math.round(this.lifetime.heUsage),
      hpUsage: LIFETIME_BASE.hpUsage + Math.round(this.lifetime.hpUsage),
      heTime: LIFETIME_BASE.heTime + Math.floor(this.lifetime.heTime),
      hpTime: LIFETIME_BASE.hpTime + Math.floor(this.lifetime.hpTime),
    };
  }

  /**
   * A firmware update downloaded but not yet installed, or none (undefined). The MQTT `dl-sw-info` reply then carries it
   * (`status` 1: any non-zero element counts as pending, docs/protocol.md#firmware-download; the real status values are
   * not documented) and the REST record shows it as `downloadedVersion` of its component. Which REST component a
   * `swCode` (1 controller, 2 panel, 4 WiFi, as in the firmware commit) belongs to is not documented either: the
   * simulator takes the list order controller, WiFi, panel, recirculation.
   */
  setFirmwareUpdate(update: { swCode: number; swVersion: number } | undefined): void {
    for (const f of this.firmwares) if (f.downloadedVersion) f.downloadedVersion = 0;
    if (!update) {
      this.firmwareDownload = [{ ...NOTHING_PENDING }];
      return;
    }
    this.firmwareDownload = [{ swCode: update.swCode, otaMode: 0, swVersion: update.swVersion, status: 1 }];
    const index = { 1: 0, 4: 1, 2: 2 }[update.swCode] ?? 3;
    if (this.firmwares[index]) this.firmwares[index].downloadedVersion = update.swVersion;
  }

  /** Controls closer together than `ms` get ctrl-fail; the interval counts from the first control after this call. */
  throttleControls(ms: number): void {
    this.throttleMinIntervalMs = ms;
    this.lastControlAt = 0;
  }

  failNextControl(count = 1): void {
    this.failNext += count;
  }

  /**
   * The next `count` weekly-program writes get no echo, as a real heater now and then does; with `apply: false` they
   * also leave the program as it was (lost silently), otherwise they land unconfirmed.
   */
  loseProgramWrites(count = 1, opts: { apply?: boolean } = {}): void {
    this.lostProgramWrites = count;
    this.lostProgramWritesApply = opts.apply ?? true;
  }

  stop(): void {
    this.running = false;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Entry point for every message on cmd/52/navilink-{mac}/#. Returns a record when it was a request. */
  handleMessage(topic: string, raw: Buffer): ReceivedRequest | undefined {
    const prefix = this.topicPrefix + '/';
    if (!topic.startsWith(prefix)) return undefined;
    const suffix = topic.slice(prefix.length);
    if (suffix !== 'ctrl' && !(suffix in TOPIC_COMMANDS)) return undefined; // replies, pushes, echoes elsewhere
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.record(topic, undefined, 'ignored', 'payload is not JSON');
    }
    if (typeof payload !== 'object' || payload === null || !('request' in payload)) {
      // Our own replies never land on request topics, but other clients' garbage might.
      return this.record(topic, payload, 'ignored', 'no request object');
    }
    const env = payload as Partial<Envelope>;
    const req = env.request;
    const base = { clientID: typeof env.clientID === 'string' ? env.clientID : undefined };
    const problem = this.checkEnvelope(topic, env);
    if (problem) return this.record(topic, payload, 'ignored', problem, base);
    const request = req as Record<string, unknown>;
    const command = request.command as number;
    const mode = typeof request.mode === 'string' ? request.mode : undefined;
    const extra = { ...base, command, mode };
    if (this.offline) return this.record(topic, payload, 'offline', 'device is offline', extra);

    const e = env as Envelope;
    if (suffix.startsWith('ctrl')) {
      const now = Date.now();
      const throttled = this.throttleMinIntervalMs > 0 && now - this.lastControlAt < this.throttleMinIntervalMs;
      if (this.failNext > 0 || throttled) {
        if (this.failNext > 0) this.failNext--;
        this.later(() => this.sendCtrlFail(e));
        return this.record(topic, payload, 'ctrl-fail', throttled ? 'control interval exceeded' : 'failNextControl', extra);
      }
      this.lastControlAt = now;
    }

    const refusal = this.dispatch(suffix, e, request);
    if (refusal === 'no-reply') return this.record(topic, payload, 'answered', 'no reply expected', extra);
    if (refusal === 'reply-lost') return this.record(topic, payload, 'answered', 'echo lost (loseProgramWrites)', extra);
    if (refusal) return this.record(topic, payload, 'refused', refusal, extra);
    return this.record(topic, payload, 'answered', undefined, extra);
  }

  // ---- request handling -------------------------------------------------------------------------------------

  private checkEnvelope(topic: string, env: Partial<Envelope>): string | undefined {
    const req = env.request;
    if (typeof req !== 'object' || req === null || Array.isArray(req)) return 'request is not an object';
    if (env.protocolVersion !== 2) return 'protocolVersion is not 2';
    if (typeof env.clientID !== 'string' || !env.clientID) return 'missing clientID';
    if (typeof env.sessionID !== 'string') return 'sessionID is not a string';
    if (env.requestTopic !== topic) return 'requestTopic does not match the topic';
    if (typeof env.responseTopic !== 'string' || !env.responseTopic || /[#+]/.test(env.responseTopic)) return 'invalid responseTopic';
    const r = req;
    if (r.deviceType !== DEVICE_TYPE) return 'request.deviceType is not 52';
    if (r.macAddress !== this.macAddress) return 'request.macAddress does not match';
    // Must be echoed as the same string (docs/protocol.md#request-envelope); a number is not known to work.
    if (r.additionalValue !== this.additionalValue) return 'request.additionalValue does not match (must be the list string)';
    if (!isInt(r.command)) return 'request.command is not an integer';
    const suffix = topic.slice(this.topicPrefix.length + 1);
    if (suffix === 'ctrl') {
      if (typeof r.mode !== 'string') return 'control without mode';
      if (!(r.mode in CONTROL_CODES)) return `unknown control mode ${r.mode}`;
      if (CONTROL_CODES[r.mode] !== r.command) return `command ${r.command} does not match mode ${r.mode}`;
      if (!Array.isArray(r.param) || !r.param.every(isInt)) return 'param is not an integer array';
    } else if (TOPIC_COMMANDS[suffix] !== r.command) {
      return `command ${r.command} is not valid on ${suffix}`;
    }
    return undefined;
  }

  /** Returns undefined when answered, 'no-reply' when silence is the documented behaviour, or a refusal reason. */
  private dispatch(suffix: string, e: Envelope, r: Record<string, unknown>): string | undefined {
    switch (suffix) {
      case 'st':
        this.reply(e.responseTopic, e, { status: this.statusWith(16777219) });
        return undefined;
      case 'st/did':
        this.reply(e.responseTopic, e, { feature: { ...this.feature } });
        return undefined;
      case 'st/end':
      case 'st/energy-usage-hourly-query/rd': // the NWP500 never answered it
      case 'ctrl/commit-ota': // would install firmware; never exercised by any client
        return 'no-reply';
      case 'st/rsv/rd':
        this.replySchedule(e, this.reservations, this.reservationReadFault);
        return undefined;
      case 'st/recirc-rsv/rd':
        this.replySchedule(e, this.recircSchedule, this.recircReadFault);
        return undefined;
      case 'ctrl/rsv/rd':
        return this.writeReservations(e, r);
      case 'ctrl/recirc-rsv/rd':
        return this.writeRecircSchedule(e, r);
      case 'ctrl/tou/rd':
        return this.writeTou(e, r);
      case 'st/energy-usage-daily-query/rd':
        return this.energyDaily(e, r);
      case 'st/energy-usage-monthly-query/rd':
        return this.energyMonthly(e, r);
      case 'st/dl-sw-info':
        // Device-keyed regardless of responseTopic (docs/protocol.md#topics).
        this.reply(`${this.topicPrefix}/res/dl-sw-info`, e, { downloadSwInfo: this.firmwareDownload.map((item) => ({ ...item })) });
        return undefined;
      case 'st/td/rd':
        return this.diagnostics(e);
      case 'ctrl':
        return this.control(e, r.mode as string, r.param as number[]);
      default:
        return 'unhandled topic';
    }
  }

  private control(e: Envelope, mode: string, param: number[]): string | undefined {
    const code = CONTROL_CODES[mode];
    const refusal = this.applyControl(mode, param);
    // The device acks every well-formed control with its status; a refused one simply shows no change.
    this.reply(e.responseTopic, e, { status: this.statusWith(code) });
    if (!refusal) {
      this.later(() => {
        this.refreshDerived();
        this.pushStatus(PUSH_COMMANDS.afterControl);
      }, this.timing.pushDelayMs);
      this.later(() => {
        this.refreshDerived();
        this.pushStatus(PUSH_COMMANDS.settled);
      }, this.timing.pushDelayMs * 2);
    }
    return refusal;
  }

  /** Changes the settings for a control; derived live state (operationMode, ...) follows with the pushes. */
  private applyControl(mode: string, p: number[]): string | undefined {
    const s = this.status;
    const f = this.feature;
    const featureOn = (name: string): boolean => f[name] === 2;
    switch (mode) {
      case 'power-off':
        if (!featureOn('powerUse')) return 'power control not supported';
        if (p.length !== 0) return 'param must be empty';
        if (s.dhwOperationSetting !== 6) this.previousMode = s.dhwOperationSetting;
        s.dhwOperationSetting = 6;
        return undefined;
      case 'power-on':
        if (!featureOn('powerUse')) return 'power control not supported';
        if (p.length !== 0) return 'param must be empty';
        if (s.dhwOperationSetting === 6) s.dhwOperationSetting = this.previousMode;
        return undefined;
      case 'dhw-mode': {
        const [m, days] = p;
        const modeFeature: Record<number, string> = { 1: 'heatpumpUse', 2: 'electricUse', 3: 'energySaverUse', 4: 'highDemandUse', 5: 'holidayUse' };
        if (!(m in modeFeature) || !featureOn(modeFeature[m])) return `mode ${m} not supported`;
        if (m === 5) {
          if (p.length !== 2 || days < 1 || days > 99) return 'vacation needs [5, days] with 1-99 days';
          if (s.dhwOperationSetting !== 5 && s.dhwOperationSetting !== 6) this.previousMode = s.dhwOperationSetting;
          s.dhwOperationSetting = 5;
          s.vacationDaySetting = days;
          s.vacationDayElapsed = days; // the capture shows it equal to the setting right away
          this.vacationEndsAtSimMs = this.simElapsedMs + days * 86_400_000;
          return undefined;
        }
        if (p.length !== 1) return 'dhw-mode needs one param (two for vacation)';
        s.dhwOperationSetting = m;
        this.previousMode = m;
        this.vacationEndsAtSimMs = undefined;
        return undefined;
      }
      case 'dhw-temperature': {
        const min = Number(f.dhwTemperatureMin);
        const max = Number(f.dhwTemperatureMax);
        if (p.length !== 1) return 'dhw-temperature needs one param';
        if (p[0] < min || p[0] > max) return `setpoint ${p[0]} outside ${min}..${max} (half-degC)`;
        const old = s.dhwTemperatureSetting;
        // Thermostat points that tracked the old setpoint follow the new one (as in the captures).
        for (const key of Object.keys(s)) if (/^h[pe](Upper|Lower)O(n|ff)TempSetting$/.test(key) && s[key] === old) s[key] = p[0];
        s.dhwTemperatureSetting = p[0];
        s.dhwTargetTemperatureSetting = p[0];
        return undefined;
      }
      case 'anti-leg-on':
        if (!featureOn('antiLegionellaSettingUse')) return 'anti-legionella not supported';
        if (p.length !== 1 || p[0] < 1 || p[0] > 30) return 'anti-leg-on needs [1..30]';
        s.antiLegionellaUse = 2;
        s.antiLegionellaPeriod = p[0];
        return undefined;
      case 'anti-leg-off':
        if (!featureOn('antiLegionellaSettingUse')) return 'anti-legionella not supported';
        s.antiLegionellaUse = 1; // the period is kept
        return undefined;
      case 'tou-on':
      case 'tou-off':
        if (!featureOn('programReservationUse')) return 'TOU not supported';
        s.touStatus = mode === 'tou-on' ? 1 : 0;
        return undefined;
      case 'dr-on':
      case 'dr-off':
        if (!featureOn('drSettingUse')) return 'demand response not supported';
        this.drEnabled = mode === 'dr-on';
        return undefined;
      case 'intelligent-on':
      case 'intelligent-off':
        this.intelligentEnabled = mode === 'intelligent-on';
        return undefined;
      case 'air-filter-reset':
        s.airFilterAlarmElapsed = 0;
        return undefined;
      case 'air-filter-life':
        if (p.length !== 1 || !(p[0] === 0 || (p[0] >= 2 && p[0] <= 20))) return 'air-filter-life needs [0] or [2..20]';
        s.airFilterAlarmPeriod = p[0] * 500;
        s.airFilterAlarmUse = p[0] === 0 ? 1 : 2;
        return undefined;
      case 'goout-day':
        if (!featureOn('holidayUse')) return 'vacation not supported';
        if (p.length !== 1 || p[0] < 1 || p[0] > 99) return 'goout-day needs [1..99]';
        s.vacationDaySetting = p[0]; // only the day count; does not enter vacation (verified live)
        if (s.dhwOperationSetting === 5) {
          // While on vacation the new count restarts the count-down. Nobody has captured this case: a simulator
          // choice, matching how navien-control changes the days of a running vacation (docs/protocol.md#dhw-mode).
          s.vacationDayElapsed = p[0];
          this.vacationEndsAtSimMs = this.simElapsedMs + p[0] * 86_400_000;
        }
        return undefined;
      case 'recirc-mode':
        if (!this.hasRecirculation || !featureOn('recirculationUse')) return 'no recirculation pump';
        if (p.length !== 1 || p[0] < 1 || p[0] > 4) return 'recirc-mode needs [1..4]';
        s.recircOperationMode = p[0];
        return undefined;
      case 'recirc-hotbtn':
        if (!this.hasRecirculation || !featureOn('recirculationUse')) return 'no recirculation pump';
        if (p.length !== 1 || p[0] !== 1) return 'recirc-hotbtn needs [1]';
        s.recircOperationBusy = 2;
        s.recircPumpOperationStatus = 1;
        this.hotButtonEndsAtSimMs = this.simElapsedMs + 5 * 60_000;
        return undefined;
      case 'reservation-mode':
        return undefined; // acked; no documented visible effect
      case 'cond-fault-reset':
        // Acked (verified); what it clears is not documented. The simulator clears a condensate-overflow fault
        // (E990 and the tripped sensor flag), the fault navien-control offers this reset for.
        if (s.errorCode === 990) {
          s.errorCode = 0;
          s.subErrorCode = 0;
        }
        if (s.conOvrSensorUse === 2) s.conOvrSensorUse = 1;
        return undefined;
      default:
        return `unknown control ${mode}`;
    }
  }

  private writeReservations(e: Envelope, r: Record<string, unknown>): string | undefined {
    if (this.feature.programReservationUse !== 2) return 'schedules not supported';
    const min = Number(this.feature.dhwTemperatureMin);
    const max = Number(this.feature.dhwTemperatureMax);
    const parsed = parseSchedule(r, { maxEntries: 16, modes: [1, 6], paramRange: [min, max] });
    if (!parsed) return 'invalid reservation schedule';
    const lost = this.lostProgramWrites > 0;
    if (lost) this.lostProgramWrites--;
    if (!lost || this.lostProgramWritesApply) {
      this.reservations = parsed;
      this.status.programReservationUse = parsed.reservationUse;
    }
    if (lost) return 'reply-lost';
    this.reply(e.responseTopic, e, { reservationUse: parsed.reservationUse, reservation: parsed.reservation });
    return undefined;
  }

  private writeRecircSchedule(e: Envelope, r: Record<string, unknown>): string | undefined {
    if (this.feature.recircReservationUse !== 2) return 'recirculation schedule not supported';
    const parsed = parseSchedule(r, { maxEntries: 20, modes: [1, 2], paramRange: [-1, -1] });
    if (!parsed) return 'invalid recirculation schedule';
    this.recircSchedule = parsed;
    this.status.recircReservationUse = parsed.reservationUse;
    this.reply(e.responseTopic, e, { reservationUse: parsed.reservationUse, reservation: parsed.reservation });
    return undefined;
  }

  private writeTou(e: Envelope, r: Record<string, unknown>): string | undefined {
    if (this.feature.programReservationUse !== 2) return 'TOU not supported';
    if (r.controllerSerialNumber !== this.serialNumber) return 'controllerSerialNumber does not match';
    const list = r.reservation;
    // A write-shaped message without a schedule is never answered (docs/protocol.md#tou-schedule).
    if (!Array.isArray(list) || list.length === 0 || list.length > 16) return 'TOU write without a schedule';
    if (r.reservationUse !== 1 && r.reservationUse !== 2) return 'invalid reservationUse';
    const keys = ['season', 'week', 'startHour', 'startMinute', 'endHour', 'endMinute', 'priceMin', 'priceMax', 'decimalPoint'];
    const periods: Array<Record<string, number>> = [];
    for (const item of list) {
      if (typeof item !== 'object' || item === null) return 'invalid TOU period';
      const p = item as Record<string, unknown>;
      if (!keys.every((k) => isInt(p[k]))) return 'TOU period needs integer ' + keys.join(', ');
      const n = p as Record<string, number>;
      if (n.startHour > 23 || n.endHour > 23 || n.startMinute > 59 || n.endMinute > 59 || n.week > 255 || n.season > 4095) {
        return 'TOU period out of range';
      }
      periods.push(Object.fromEntries(keys.map((k) => [k, n[k]])));
    }
    this.touSchedule = { reservationUse: r.reservationUse, reservation: periods };
    this.reply(e.responseTopic, e, { reservationUse: r.reservationUse, reservation: periods });
    return undefined;
  }

  private energyDaily(e: Envelope, r: Record<string, unknown>): string | undefined {
    if (!isInt(r.year) || !Array.isArray(r.month) || r.month.length === 0 || !r.month.every((m) => isInt(m) && m >= 1 && m <= 12)) {
      return 'daily query needs year (int) and month (int array)';
    }
    this.reply(e.responseTopic, e, {
      typeOfUsage: 0,
      total: this.energyTotals(),
      usage: dailyReport(this.macAddress, r.year, r.month as number[]),
    });
    return undefined;
  }

  private energyMonthly(e: Envelope, r: Record<string, unknown>): string | undefined {
    if (!Array.isArray(r.year) || r.year.length === 0 || !r.year.every((y) => isInt(y) && y >= 2000 && y <= 2100)) {
      return 'monthly query needs year (int array)';
    }
    this.reply(e.responseTopic, e, { typeOfUsage: 1, total: this.energyTotals(), usage: monthlyReport(this.macAddress, r.year as number[]) });
    return undefined;
  }

  private diagnostics(e: Envelope): string | undefined {
    // The cloud decodes the reply into JSON only for the five-segment form cmd/52/{homeSeq}/{userSeq}/{clientId}/res/td/rd;
    // with other forms the raw packed reply is not decoded (format unknown), so the simulator stays silent.
    if (!/^cmd\/52\/[^/]+\/[^/]+\/[^/]+\/res\/td\/rd$/.test(e.responseTopic)) return 'st/td/rd needs a five-segment responseTopic';
    const t = this.energyTotals();
    this.reply(e.responseTopic, e, {
      typeOfTD: 2,
      data: {
        tsData: {
          cumulatedPwrHp: t.hpUsage,
          cumulatedPwrHe: t.heUsage,
          daysSinceInstallation: 359 + Math.floor(this.simElapsedMs / 86_400_000),
          cumulatedOccNumEco: 0,
          cumulatedOccNumDryFire: 0,
          numOffRostProtectBurn: 0,
          cumulatedOccNumConOvrFlow: 3,
          cumulatedOccNumWtrOvrFlow: 0,
          cumulatedOpTimeDrShed: 0,
          cumulatedOpTimeDrLoadUp: 0,
          cumulatedOpTimeDrAdvLoadUp: 0,
          cumulatedOpTimeDrCpp: 0,
          cumulatedOpTimeDrGridEmg: 0,
          cumulatedOccNumAbDisTmp: 0,
          cumulatedOccNumHpo: 0,
          cumulatedOccNumAbSucTmp: 0,
          cumulatedOccNumAbDisSucTmp: 0,
        },
        tcData: {},
        tdData: {
          numOfdhwUse: 0,
          dhwUseTotalFlow: Math.round(this.status.cumulatedDhwFlowRate ?? 0),
          dhwUseTotalTime: 0,
          numOfLongDhwUse: 0,
          longDhwUseTotalFlow: 0,
          longDhwUseTotalTime: 0,
          numOfShortDhwUse: 0,
          avrageRecoveryTime: 0,
        },
        taData: {
          cumulatedOpTimeComp: t.hpTime,
          cumulatedOpNumComp: 757,
          cumulatedOpTimeEvaFan: this.status.cumulatedOpTimeEvaFan,
          cumulatedOpNumEvaFan: 794,
          cumulatedOpStepEev: 1102,
          cumulatedOpTimeUhe: t.heTime,
          cumulatedOpNumUhe: 375,
          cumulatedOpTimeLhe: 0,
          cumulatedOpNumLhe: 20,
          cumulatedOpNumShutOffVv: 0,
          mixingValveOpTotalStep: 0,
          mixingValveOpAvgMixinGrate: 0,
          cumulatedOpNumRecircPump: 0,
          cumulatedOpTimeRecircPump: 0,
          cumulatedOpTimeInvComp1: 0,
          cumulatedOpTimeInvComp2: 0,
          cumulatedOpTimeInvComp3: 0,
          cumulatedOpTimeInvComp4: 0,
        },
      },
    });
    return undefined;
  }

  /** JSON list on the requested topic, and the packed hex twin on the same topic without `/rd`. */
  private replySchedule(e: Envelope, schedule: Schedule, fault?: ReservationReadFault): void {
    const answer = (topic: string, form: 'json' | 'hex', body: Record<string, unknown>) => {
      const sent = fault ? fault(form, body) : body;
      if (sent) this.reply(topic, e, sent);
    };
    answer(e.responseTopic, 'json', { reservationUse: schedule.reservationUse, reservation: schedule.reservation.map((x) => ({ ...x })) });
    if (e.responseTopic.endsWith('/rd')) {
      answer(e.responseTopic.slice(0, -3), 'hex', { reservationUse: schedule.reservationUse, reservation: packScheduleHex(schedule.reservation) });
    }
  }

  private sendCtrlFail(e: Envelope): void {
    this.publishEnvelope(`${this.topicPrefix}/ctrl-fail`, e.clientID, e.sessionID, e.requestTopic, { swVersion: 0, failCode: 2 });
  }

  // ---- publishing ---------------------------------------------------------------------------------------------

  private statusWith(command: number): StatusFields {
    return { ...this.status, command };
  }

  private reply(topic: string, e: Envelope, body: Record<string, unknown>): void {
    this.later(() => this.publishEnvelope(topic, e.clientID, e.sessionID, e.requestTopic, body));
  }

  private publishEnvelope(topic: string, clientID: string, sessionID: string, requestTopic: string, body: Record<string, unknown>): void {
    if (this.offline) return;
    this.publish(topic, {
      protocolVersion: 2,
      clientID,
      sessionID,
      requestTopic,
      response: { deviceType: DEVICE_TYPE, macAddress: this.macAddress, additionalValue: this.additionalValue, ...body },
    });
  }

  /** Unsolicited status on the device topic. */
  pushStatus(command: number): void {
    this.lastPushAt = Date.now();
    this.lastSignature = this.signature();
    this.publishEnvelope(this.pushTopic, `navilink-${this.macAddress}`, String(++this.sessionCounter), `${this.topicPrefix}/st`, {
      status: this.statusWith(command),
    });
  }

  private later(fn: () => void, delayMs = this.timing.replyDelayMs): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, delayMs);
    this.timers.add(t);
  }

  private record(
    topic: string,
    payload: unknown,
    outcome: ReceivedRequest['outcome'],
    reason?: string,
    extra: Partial<ReceivedRequest> = {},
  ): ReceivedRequest {
    const rec: ReceivedRequest = { at: Date.now(), mac: this.macAddress, topic, payload, outcome, ...extra };
    if (reason) rec.reason = reason;
    this.emit('request', rec);
    return rec;
  }

  // ---- physics --------------------------------------------------------------------------------------------------

  private restartTicker(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    if (this.running && this.timing.speed > 0 && this.timing.tickMs > 0) {
      this.tickTimer = setInterval(() => this.tick(this.timing.tickMs * this.timing.speed), this.timing.tickMs);
    }
  }

  /**
   * The weekly program as the heater runs it (docs/protocol.md#weekly-program): an active entry for this weekday
   * (0 = Sunday) and minute switches the mode and setpoint as the controls do. Not while the program is off or on
   * vacation; a powered-off unit is switched back on by a due entry, as a real NWP500 does. The simulator keeps no
   * wall clock, so the caller says which minute it is (once per minute). Returns the entry that ran.
   */
  runProgram(weekday: number, hour: number, minute: number): ScheduleEntry | undefined {
    const s = this.status;
    if (this.reservations.reservationUse !== 2 || s.dhwOperationSetting === 5) return undefined;
    const bit = [128, 64, 32, 16, 8, 4, 2][weekday];
    const entry = this.reservations.reservation.find((e) => e.enable === 2 && (e.week & bit) !== 0 && e.hour === hour && e.min === minute);
    if (!entry) return undefined;
    this.applyControl('dhw-mode', [entry.mode]);
    this.applyControl('dhw-temperature', [entry.param]);
    this.refreshDerived();
    this.pushStatus(PUSH_COMMANDS.spontaneous);
    return entry;
  }

  /** Advances the simulation by `simMs` simulated milliseconds (also callable directly from tests). */
  tick(simMs: number): void {
    this.simElapsedMs += simMs;
    const seconds = simMs / 1000;
    const s = this.status;
    if (this.vacationEndsAtSimMs !== undefined && this.simElapsedMs >= this.vacationEndsAtSimMs && s.dhwOperationSetting === 5) {
      s.dhwOperationSetting = this.previousMode;
      s.vacationDayElapsed = 0;
      this.vacationEndsAtSimMs = undefined;
    }
    if (this.hotButtonEndsAtSimMs !== undefined && this.simElapsedMs >= this.hotButtonEndsAtSimMs) {
      s.recircOperationBusy = 1;
      s.recircPumpOperationStatus = 0;
      this.hotButtonEndsAtSimMs = undefined;
    }
    const scripted = seconds > 0 ? litresBetween(this.scheduledDraws, this.simElapsedMs - simMs, this.simElapsedMs) : 0;
    this.scheduledLpm = seconds > 0 ? scripted / (seconds / 60) : 0;
    const drawLpm = this.drawLpm + this.scheduledLpm;
    // The intake air stands for the room around the tank; a status without it gets 20 degC.
    const ambientC = s.ambientTemperature > 0 ? s.ambientTemperature / 10 : DEFAULT_AMBIENT_C;
    const used = stepTank(this.tank, s.dhwOperationSetting, s.dhwTemperatureSetting / 2, seconds, drawLpm, ambientC);
    this.lifetime.hpUsage += used.compressorWh;
    this.lifetime.heUsage += used.elementWh;
    this.lifetime.hpTime += used.compressorHours;
    this.lifetime.heTime += used.elementHours;
    // Hour counters on the wire are whole hours; carry the fractions.
    this.fanHours += used.compressorHours;
    if (this.fanHours >= 1) {
      s.cumulatedOpTimeEvaFan += Math.floor(this.fanHours);
      this.fanHours -= Math.floor(this.fanHours);
    }
    this.filterHours += seconds / 3600;
    if (this.filterHours >= 1) {
      s.airFilterAlarmElapsed += Math.floor(this.filterHours);
      this.filterHours -= Math.floor(this.filterHours);
    }
    if (drawLpm > 0) s.cumulatedDhwFlowRate += (drawLpm * seconds) / 60;
    this.refreshDerived();
    const sig = this.signature();
    if (sig !== this.lastSignature && Date.now() - this.lastPushAt >= this.timing.minPushIntervalMs) {
      this.pushStatus(PUSH_COMMANDS.spontaneous);
    }
  }

  /** Recomputes the live fields from the tank model and the settings. */
  private refreshDerived(): void {
    const s = this.status;
    const t = this.tank;
    const off = s.dhwOperationSetting === 6;
    if (off) t.compressor = t.upperElement = t.lowerElement = false;
    const element = t.upperElement || t.lowerElement;
    s.tankUpperTemperature = Math.round(t.upperC * 10);
    s.tankLowerTemperature = Math.round(t.lowerC * 10);
    s.dhwTemperature = Math.round(t.upperC * 2);
    s.compUse = t.compressor ? 2 : 1;
    s.evaFanUse = t.compressor ? 2 : 1;
    s.heatUpperUse = t.upperElement ? 2 : 1;
    s.heatLowerUse = t.lowerElement ? 2 : 1;
    s.currentHeatUse = (t.compressor ? 1 : 0) + (element ? 2 : 0);
    s.operationMode = (t.compressor ? 32 : 0) + (element ? 64 : 0);
    const heating = t.compressor || element;
    s.operationBusy = off ? 1 : heating ? 2 : 1;
    if ('dhwOperationBusy' in s) s.dhwOperationBusy = heating ? 2 : 1;
    s.currentInstPower = (t.compressor ? COMPRESSOR_W : 0) + (element ? ELEMENT_W : 0) + IDLE_W;
    s.targetFanRpm = t.compressor ? 550 : 0;
    s.currentFanRpm = t.compressor ? 542 : 0;
    s.fanPwm = t.compressor ? 1462 : 0;
    s.eevStep = t.compressor ? 140 : 480;
    s.currentStatenum = heating ? 50 : 70;
    s.dischargeTemperature = t.compressor ? 693 : 561;
    s.suctionTemperature = t.compressor ? 135 : 250;
    s.evaporatorTemperature = t.compressor ? 109 : 273;
    s.currentSuperHeat = t.compressor ? 46 : -1;
    const flow = this.drawLpm + this.scheduledLpm;
    s.dhwUse = flow > 0 ? 2 : 1;
    s.currentDhwFlowRate = Math.round(flow * 10);
    const setC = s.dhwTemperatureSetting / 2;
    const total = Math.max(0, Math.round((TANK_WH_PER_K * (setC - MIN_SETPOINT_C)) / 4));
    const avg = (t.upperC + t.lowerC) / 2;
    const needed = Math.max(0, Math.round((TANK_WH_PER_K * (setC - avg)) / 4));
    s.totalEnergyCapacity = total;
    s.availableEnergyCapacity = needed; // a deficit: Wh / 4 still needed to reach the setpoint
    s.dhwChargePer = total > 0 ? Math.max(0, Math.min(100, Math.round(100 * (1 - needed / total)))) : 0;
  }

  /** What a user would notice; a change triggers a push. */
  private signature(): string {
    const s = this.status;
    return [s.operationMode, s.currentHeatUse, s.dhwOperationSetting, s.dhwTemperature, s.dhwChargePer, s.dhwUse].join('|');
  }
}
