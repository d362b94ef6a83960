/**
 * Learns the tank's own figures from its status history: heat-pump COP, element power, standby loss and heat
 * capacity. Robust by construction: the history is cut into runs of one heat source, runs are cut again at every
 * draw (a drop the model cannot explain), each run gives one estimate from a least-squares slope (so the 4 Wh
 * steps of the counters average out), and the median over runs replaces a default only when enough runs agree.
 */
import { HeatSourceName } from '../codec';
import { TankModel, TankSample, UserMode, copAt, standbyLossKW, tempOf } from './tank-model';
import { LOWER_TRIGGER_C } from './two-zone';

export interface LearnOptions {
  /** Runs needed before a learned figure replaces the default (default 3). */
  minRuns?: number;
  /** Samples further apart than this break a run, ms (default 30 min). */
  maxGapMs?: number;
}

export interface LearnedFigure {
  value: number;
  /** Runs it was learned from; 0 when the default stays. */
  runs: number;
  learned: boolean;
}

export interface LearnResult {
  model: TankModel;
  heatPumpCop55: LearnedFigure;
  heatPumpInputW: LearnedFigure;
  elementW: LearnedFigure;
  standbyWPerK: LearnedFigure;
  capacityWhPerK: LearnedFigure;
}

const HOUR_MS = 3_600_000;
/** Shortest runs worth a slope: idle cooling is slow (0.1-0.3 K/h), heating fast. */
const MIN_IDLE_MS = 2 * HOUR_MS;
const MIN_HEATING_MS = 15 * 60_000;
/** A fall larger than this between two samples, beyond the expected loss, is a draw (8 Wh = two counter steps). */
const DRAW_STEP_KWH = 0.008;

type RunKind = 'idle' | 'heat-pump' | 'element';

function kindOf(source: HeatSourceName): RunKind | null {
  if (source === 'none') return 'idle';
  if (source === 'heat-pump') return 'heat-pump';
  if (source === 'element') return 'element';
  return null; // both at once: not separable, skipped
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Least-squares slope of energy over time, kWh per hour. */
function slopeKWhPerHour(run: TankSample[]): number {
  const t0 = run[0].at;
  const xs = run.map((s) => (s.at - t0) / HOUR_MS);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = run.reduce((a, s) => a + s.energyKWh, 0) / run.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (run[i].energyKWh - my);
    den += (x - mx) ** 2;
  });
  return den > 0 ? num / den : 0;
}

/** Runs of one heat source without draws or gaps. */
function splitRuns(samples: TankSample[], base: TankModel, maxGapMs: number): Array<{ kind: RunKind; samples: TankSample[] }> {
  const runs: Array<{ kind: RunKind; samples: TankSample[] }> = [];
  let current: { kind: RunKind; samples: TankSample[] } | undefined;
  for (const s of samples) {
    const kind = kindOf(s.source);
    const prev = current?.samples[current.samples.length - 1];
    let breaks = !current || kind !== current.kind || s.drawing === true || (prev !== undefined && s.at - prev.at > maxGapMs);
    if (!breaks && prev && current) {
      const hours = (s.at - prev.at) / HOUR_MS;
      const expectedLoss = Math.max(0, standbyLossKW(tempOf(prev.energyKWh, base), base)) * hours;
      // Heating never lowers the tank, and idle cooling is slow: anything steeper is hot water leaving.
      const allowedFall = current.kind === 'idle' ? 3 * expectedLoss + DRAW_STEP_KWH : DRAW_STEP_KWH;
      if (prev.energyKWh - s.energyKWh > allowedFall) breaks = true;
    }
    if (breaks) {
      if (current && current.samples.length > 0) runs.push(current);
      current = kind && s.drawing !== true ? { kind, samples: [s] } : undefined;
    } else {
      current?.samples.push(s);
    }
  }
  if (current) runs.push(current);
  return runs;
}

function figure(values: number[], fallback: number, minRuns: number): LearnedFigure {
  if (values.length < minRuns) return { value: fallback, runs: values.length, learned: false };
  return { value: median(values), runs: values.length, learned: true };
}

/**
 * A model with every figure the history supports replaced by the device's own; the rest stay at `base`.
 * Samples may come in any order; invalid ones are ignored.
 */
export function learnTankModel(history: readonly TankSample[], base: TankModel, options: LearnOptions = {}): LearnResult {
  const minRuns = options.minRuns ?? 3;
  const maxGapMs = options.maxGapMs ?? 30 * 60_000;
  const samples = history
    .filter((s) => Number.isFinite(s.at) && Number.isFinite(s.energyKWh))
    .sort((a, b) => a.at - b.at);

  const capacities = samples.map((s) => s.capacityWhPerK).filter((c): c is number => typeof c === 'number' && c > 50 && c < 1000);
  const capacity = capacities.length >= minRuns ? median(capacities) : base.capacityWhPerK;
  const model0: TankModel = { ...base, capacityWhPerK: capacity };

  const runs = splitRuns(samples, model0, maxGapMs).filter((r) => r.samples.length >= 3);
  const span = (r: { samples: TankSample[] }): number => r.samples[r.samples.length - 1].at - r.samples[0].at;
  const meanT = (r: { samples: TankSample[] }, m: TankModel): number => tempOf(r.samples.reduce((a, x) => a + x.energyKWh, 0) / r.samples.length, m);

  // Standby first: the heating figures add the loss back to the measured rise.
  const ua: number[] = [];
  for (const run of runs) {
    if (run.kind !== 'idle' || span(run) < MIN_IDLE_MS) continue;
    const t = meanT(run, model0);
    if (t - model0.ambientC < 5) continue;
    const w = (-slopeKWhPerHour(run.samples) * 1000) / (t - model0.ambientC);
    if (w > 0 && w < 20) ua.push(w);
  }
  const standby = figure(ua, base.standbyWPerK, minRuns);
  const model1: TankModel = { ...model0, standbyWPerK: standby.value };

  const cop55: number[] = [];
  const inputW: number[] = [];
  const elementW: number[] = [];
  for (const run of runs) {
    if (run.kind === 'idle' || span(run) < MIN_HEATING_MS) continue;
    const t = meanT(run, model1);
    const heatKW = slopeKWhPerHour(run.samples) + standbyLossKW(t, model1);
    if (run.kind === 'heat-pump') {
      const powers = run.samples.map((x) => x.powerW).filter((p): p is number => p !== null && p > 0);
      if (powers.length === 0) continue;
      const power = median(powers);
      const cop = (heatKW * 1000) / power;
      if (cop > 0.8 && cop < 8) {
        // Normalised to 55 °C with the model's slope, so runs at different temperatures agree.
        cop55.push(cop - (copAt(t, model1) - model1.cop55));
        inputW.push(power);
      }
    } else {
      const w = heatKW * 1000;
      if (w > 1000 && w < 7000) elementW.push(w);
    }
  }

  const result: LearnResult = {
    model: model0,
    heatPumpCop55: figure(cop55, base.cop55, minRuns),
    heatPumpInputW: figure(inputW, base.heatPumpInputW, minRuns),
    elementW: figure(elementW, base.elementW, minRuns),
    standbyWPerK: standby,
    capacityWhPerK: { value: capacity, runs: capacities.length, learned: capacities.length >= minRuns },
  };
  result.model = {
    ...model0,
    cop55: result.heatPumpCop55.value,
    heatPumpInputW: result.heatPumpInputW.value,
    elementW: result.elementW.value,
    standbyWPerK: result.standbyWPerK.value,
  };
  return result;
}

/**
 * The heat pump's start point per mode from the history: at each start of a heat-pump run (no draw, the lower probe
 * above the 104.9 °F trigger, so the upper probe is what started it), how far the upper probe was below the setpoint
 * in the sample before. The median replaces the default once `minRuns` starts agree (default 3).
 */
export function learnThermostat(samples: readonly TankSample[], options: LearnOptions = {}): Partial<Record<UserMode, LearnedFigure>> {
  const minRuns = options.minRuns ?? 3;
  const maxGapMs = options.maxGapMs ?? 30 * 60_000;
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const byMode = new Map<UserMode, number[]>();
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1];
    const now = sorted[i];
    if (now.at - before.at > maxGapMs || before.source !== 'none' || now.source !== 'heat-pump') continue;
    if (before.drawing || now.drawing || !before.mode || before.mode !== now.mode || before.setpointC == null || before.setpointC !== now.setpointC) continue;
    if (before.upperC == null || before.lowerC == null || before.lowerC < LOWER_TRIGGER_C) continue;
    const deficit = before.setpointC - before.upperC;
    // A start far from any rule is a control write or a setpoint change, not the thermostat.
    if (deficit < 0.2 || deficit > 8) continue;
    byMode.set(before.mode, [...(byMode.get(before.mode) ?? []), deficit]);
  }
  const out: Partial<Record<UserMode, LearnedFigure>> = {};
  for (const [mode, deficits] of byMode) {
    if (deficits.length >= minRuns) out[mode] = { value: median(deficits), runs: deficits.length, learned: true };
  }
  return out;
}
