/**
 * The plan as navien-planner sends it (`msg.payload` of `navien/<mac>/plan`): ISO times, setpoints in the node's
 * unit, money and energy rounded. Plus the forecast lookups the node needs to notice drift.
 */
import { TemperatureUnit, fromHalfCelsius, toHalfCelsius } from '../codec';
import { HeatMode, Plan } from './optimiser';
import { UserMode } from './tank-model';

export type ApplyMode = 'preview' | 'live' | 'device';
export const APPLY_MODES: readonly ApplyMode[] = ['preview', 'live', 'device'];

export interface PlanPayload {
  windows: Array<{ start: string; end: string; mode: HeatMode; setpoint: number; kWh: number; cost: number }>;
  /** `charge` for charge targets, `litres` (and `showers`) for the others; `expectedLitres`: hot water above comfort then. */
  targets: Array<{ at: string; kind: 'charge' | 'litres' | 'showers'; charge?: number; litres?: number; showers?: number; expectedCharge: number; expectedLitres: number; met: boolean }>;
  /** The comfort temperature (in `unit`) and how the plan keeps it. */
  comfort: {
    temperature: number;
    met: boolean;
    feasible: boolean;
    draws: { source: 'history' | 'default' | 'given'; count: number; litres: number };
    worst: { at: string; litres: number };
    coldestDraw: { at: string; temperature: number } | null;
  };
  expectedCost: number;
  baselineCost: number;
  savings: number;
  chargeForecast: Array<{ at: string; charge: number }>;
  apply: ApplyMode;
  /** The setting between windows and the user's own setting, in `unit`. */
  hold: { mode: UserMode; setpoint: number };
  restore: { mode: UserMode; setpoint: number };
  unit: TemperatureUnit;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function temperature(c: number, unit: TemperatureUnit): number {
  return fromHalfCelsius(toHalfCelsius(c, 'C'), unit);
}

export function planPayload(plan: Plan, apply: ApplyMode, unit: TemperatureUnit = 'C'): PlanPayload {
  return {
    windows: plan.windows.map((w) => ({ start: iso(w.start), end: iso(w.end), mode: w.mode, setpoint: temperature(w.setpointC, unit), kWh: w.kWh, cost: w.cost })),
    targets: plan.targets.map((t) => ({
      at: iso(t.at),
      kind: t.kind,
      ...(t.kind === 'charge' ? { charge: t.charge } : { litres: t.litres }),
      ...(t.showers !== undefined ? { showers: t.showers } : {}),
      expectedCharge: t.expectedCharge,
      expectedLitres: t.expectedLitres,
      met: t.met,
    })),
    comfort: {
      temperature: Math.round((unit === 'F' ? plan.comfort.comfortC * 1.8 + 32 : plan.comfort.comfortC) * 10) / 10,
      met: plan.comfort.met,
      feasible: plan.comfort.feasible,
      draws: plan.comfort.draws,
      worst: { at: iso(plan.comfort.worst.at), litres: plan.comfort.worst.litres },
      coldestDraw: plan.comfort.coldestDraw
        ? { at: iso(plan.comfort.coldestDraw.at), temperature: Math.round((unit === 'F' ? plan.comfort.coldestDraw.deliveredC * 1.8 + 32 : plan.comfort.coldestDraw.deliveredC) * 10) / 10 }
        : null,
    },
    expectedCost: plan.expectedCost,
    baselineCost: plan.baselineCost,
    savings: plan.savings,
    chargeForecast: plan.chargeForecast.map((p) => ({ at: iso(p.at), charge: p.charge })),
    apply,
    hold: { mode: plan.hold.mode, setpoint: temperature(plan.hold.setpointC, unit) },
    restore: { mode: plan.restore.mode, setpoint: temperature(plan.restore.setpointC, unit) },
    unit,
  };
}

/** The charge the plan expects at `t` (linear between forecast points; the ends outside them). */
export function forecastChargeAt(plan: Plan, t: number): number {
  const f = plan.chargeForecast;
  if (f.length === 0) return NaN;
  if (t <= f[0].at) return f[0].charge;
  for (let i = 1; i < f.length; i++) {
    if (t <= f[i].at) return f[i - 1].charge + ((f[i].charge - f[i - 1].charge) * (t - f[i - 1].at)) / (f[i].at - f[i - 1].at);
  }
  return f[f.length - 1].charge;
}

/**
 * Drift that calls for a new plan, percentage points: half the default reserve, so draws nobody announced are
 * caught while the reserve still covers them.
 */
export const DRIFT_TOLERANCE = 2.5;

/** Whether the tank left the forecast by more than `tolerance` percentage points (time to plan again). */
export function hasDrifted(plan: Plan, t: number, charge: number, tolerance = DRIFT_TOLERANCE): boolean {
  return Math.abs(charge - forecastChargeAt(plan, t)) > tolerance;
}

/** The setting the plan wants at `t`: a window's, or the hold between windows (the node's live mode follows this). */
export function settingAt(plan: Plan, t: number): { mode: HeatMode | UserMode; setpointC: number; window: number } {
  const i = plan.windows.findIndex((w) => w.start <= t && t < w.end);
  if (i >= 0) return { mode: plan.windows[i].mode, setpointC: plan.windows[i].setpointC, window: i };
  return { mode: plan.hold.mode, setpointC: plan.hold.setpointC, window: -1 };
}
