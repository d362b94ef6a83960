/**
 * One plan from what the session knows: the heater's status and feature record, the user's own setting, the dialog's
 * settings, the status history (the model is learned from it each time) and the last prices. Pure: the clock comes in
 * as `now`.
 */
import { DecodedFeature, SETPOINT_RANGE_RAW, isControlSupported, roundTo } from '../codec';
import {
  ApplyMode,
  DEFAULT_TANK_MODEL,
  MODE_IDS,
  Plan,
  PlanPayload,
  PriceSlot,
  SurplusSlot,
  TankModel,
  TankSample,
  TargetSpec,
  UserMode,
  learnTankModel,
  learnDrawPattern,
  learnThermostat,
  planHeating,
  planPayload,
  tankFromStatus,
} from '../planner';
import { InputError } from '../input-error';
import type { PlannerSettings } from './settings';

export interface ModelView {
  capacityWhPerK: number;
  heatPumpInputW: number;
  cop55: number;
  elementW: number;
  standbyWPerK: number;
  ambientC: number;
  /** Figures learned from the heater's own history (the others are the documented defaults). */
  learned: string[];
  /** Figures still at their documented defaults (docs/planner-model.md), including `draws` until the history has a week. */
  defaults: string[];
}

export type PlannerPayload = PlanPayload & { model: ModelView };

export interface PlanContext {
  now: number;
  /** The heater's status (raw `response.status`). */
  status: Record<string, unknown>;
  /** The user's own mode id (1-4) and setpoint (half-°C). */
  user: { mode: number; setpointRaw: number };
  /** Decoded in °C; undefined when not read (then the NWP500's own range applies). */
  features: DecodedFeature | undefined;
  settings: PlannerSettings;
  /** How the plan is carried out (the payload's `apply`). */
  apply: ApplyMode;
  history: readonly TankSample[];
  /** The newest heat capacity a status reported, for a status that cannot say (setpoint near 40.5 °C). */
  lastCapacity: number | null;
  input: { prices: PriceSlot[]; surplus?: SurplusSlot[]; targets?: TargetSpec[] };
  timeZone?: string;
}

const USER_MODE_BY_ID: Readonly<Record<number, UserMode>> = Object.fromEntries(Object.entries(MODE_IDS).map(([m, id]) => [id, m as UserMode]));
const FIGURES = ['capacityWhPerK', 'heatPumpCop55', 'heatPumpInputW', 'elementW', 'standbyWPerK'] as const;

/** Throws InputError('status-unknown') when the status shows no tank, PlanInputError for settings the core refuses. */
export function makePlan(ctx: PlanContext): { plan: Plan; model: TankModel; payload: PlannerPayload } {
  const { settings, features } = ctx;
  const firstLook = tankFromStatus(ctx.status);
  const base: TankModel = {
    ...DEFAULT_TANK_MODEL,
    capacityWhPerK: firstLook?.capacityWhPerK ?? ctx.lastCapacity ?? DEFAULT_TANK_MODEL.capacityWhPerK,
    ambientC: firstLook?.ambientC ?? DEFAULT_TANK_MODEL.ambientC,
  };
  const learned = learnTankModel(ctx.history, base);
  const starts = learnThermostat(ctx.history);
  const startKs = Object.fromEntries(Object.entries(starts).map(([mode, f]) => [mode, f.value]));
  const model: TankModel = Object.keys(startKs).length > 0 ? { ...learned.model, heatPumpStartK: startKs } : learned.model;
  const tank = tankFromStatus(ctx.status, model.capacityWhPerK);
  const userMode = USER_MODE_BY_ID[ctx.user.mode];
  if (!tank || !userMode) throw new InputError('status-unknown');
  const minSetpointC = (features?.setpointMinRaw ?? SETPOINT_RANGE_RAW.min) / 2;
  const maxSetpointC = Math.min(settings.maxSetpointC, (features?.setpointMaxRaw ?? SETPOINT_RANGE_RAW.max) / 2);
  const plan = planHeating({
    now: ctx.now,
    prices: ctx.input.prices,
    surplus: ctx.input.surplus,
    targets: ctx.input.targets ?? settings.targets,
    timeZone: ctx.timeZone,
    energyKWh: tank.energyKWh,
    heating: tank.source,
    model,
    userMode,
    userSetpointC: ctx.user.setpointRaw / 2,
    maxSetpointC: Math.max(minSetpointC, maxSetpointC),
    minSetpointC,
    // Windows with an element are High Demand or Electric: both must be there.
    allowElement: settings.allowElement && isControlSupported(features, 'high-demand') && isControlSupported(features, 'electric'),
    horizonHours: settings.horizonHours,
    reservePercent: settings.reservePercent,
    comfortC: settings.comfortC,
    upperC: tank.upperC,
    lowerC: tank.lowerC,
    ...(settings.draws === 'none' ? { draws: [] } : { drawPattern: learnDrawPattern(ctx.history, ctx.timeZone) }),
    // Live mode writes each setting as a control (which starts a recovery), device mode as program entries (which do not).
    appliedBy: ctx.apply === 'live' ? 'control' : 'program',
    tou: ctx.status.touStatus !== undefined && ctx.status.touStatus !== 0,
  });
  const payload: PlannerPayload = {
    ...planPayload(plan, ctx.apply, settings.unit),
    model: {
      capacityWhPerK: roundTo(model.capacityWhPerK, 1),
      heatPumpInputW: roundTo(model.heatPumpInputW, 0),
      cop55: roundTo(model.cop55, 2),
      elementW: roundTo(model.elementW, 0),
      standbyWPerK: roundTo(model.standbyWPerK, 2),
      ambientC: roundTo(model.ambientC, 1),
      learned: [
        ...FIGURES.filter((f) => learned[f].learned),
        ...(plan.comfort.draws.source === 'history' ? ['draws'] : []),
        ...(model.heatPumpStartK ? ['thermostat'] : []),
      ],
      defaults: [
        ...FIGURES.filter((f) => !learned[f].learned),
        ...(plan.comfort.draws.source === 'default' ? ['draws'] : []),
        ...(model.heatPumpStartK ? [] : ['thermostat']),
      ],
    },
  };
  return { plan, model, payload };
}
