/**
 * What a control is once its input is validated: a plan the device command runner executes (build, send, confirm).
 * Plans are made by the modules in ./plans (one per control family) and ordered by ./request/parse.
 */
import type { CommandContext, DecodedFeature, InboundMessage, OutboundMessage, TemperatureUnit } from '../codec';

/** A rejected control input: the shared input error, under the name the control code and its tests use. */
export { InputError as ControlInputError } from '../input-error';

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
  | 'recirculation'
  | 'intelligent'
  | 'condenserFaultReset';

/** What a control may use before it is built: a query to the device (the read of a read-modify-write). */
export interface PlanIo {
  commandContext(mac: string): CommandContext;
  request(mac: string, message: OutboundMessage, kinds: string[], timeoutMs?: number): Promise<InboundMessage>;
}

export interface PlannedControl {
  command: ControlName;
  /** What the user asked for, in their terms (unit of the node or msg). */
  requested: unknown;
  /**
   * Collapse key: later values of the same setting on the same device replace waiting ones. null = never collapsed
   * (an edit of the weekly program builds on the program as it is when it runs).
   */
  setting: string | null;
  /** Runs just before build, in the device's queue (e.g. reads the weekly program to change one entry). */
  prepare?(io: PlanIo, mac: string): Promise<void>;
  build(ctx: CommandContext): OutboundMessage;
  /** What the device's status shows once the control took effect, or undefined while it does not. */
  confirmedValue(status: Record<string, unknown>): unknown;
  /** For writes the device echoes on their own topic (weekly program, TOU): the confirmed value, or undefined. */
  confirmedByReply?(message: InboundMessage): unknown;
}

/** What a node allows and what the device can do: every plan is checked against these. */
export interface ControlLimits {
  unit: TemperatureUnit;
  allowPowerOff: boolean;
  readOnly: boolean;
  features: DecodedFeature | undefined;
  /** Boost length when a boost names neither minutes nor untilCharge (the node's setting). */
  boostMinutes?: number;
  /** The node allows installer actions (condenser fault reset); off unless the node's option is on. */
  installerActions?: boolean;
}
