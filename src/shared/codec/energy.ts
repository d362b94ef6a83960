/** Energy history replies (docs/protocol.md#energy-usage): Wh and hours per day or month, plus lifetime totals. */
import { ENERGY_RANGES, EnergySpan, ImplausibleReporter, plausibleNumber } from './plausible';
import { roundTo } from './units';

/**
 * Energy and run time. A figure is null when the reply's value is implausible (negative, more hours than the
 * period has, more energy than full power for all of them - plausible.ts); a missing one counts as 0. Totals add up
 * the plausible figures and are null only when every item's figure was implausible.
 */
export interface EnergyFigures {
  heatPumpWh: number | null;
  elementWh: number | null;
  /** null when either part is. */
  totalWh: number | null;
  heatPumpHours: number | null;
  elementHours: number | null;
  /** Heat-pump share of the energy, percent with one decimal (0-100); null when nothing was used or a part is unknown. */
  heatPumpShare: number | null;
}

export interface EnergyItem extends EnergyFigures {
  /** Day of the month (daily replies) or month of the year (monthly replies), 1-based. */
  day?: number;
  month?: number;
}

export interface EnergyPeriod {
  year: number | null;
  /** Present for daily replies: the month the `items` (days) belong to. */
  month?: number;
  items: EnergyItem[];
  totals: EnergyFigures;
}

export interface DecodedEnergy {
  kind: 'daily' | 'monthly';
  /** The device's lifetime counters, identical whatever was asked (verified live). */
  lifetime: EnergyFigures | null;
  periods: EnergyPeriod[];
  /** Sum over all returned periods. */
  totals: EnergyFigures;
}

function figures(heatPumpWh: number | null, elementWh: number | null, heatPumpHours: number | null, elementHours: number | null): EnergyFigures {
  const totalWh = heatPumpWh !== null && elementWh !== null ? heatPumpWh + elementWh : null;
  return {
    heatPumpWh,
    elementWh,
    totalWh,
    heatPumpHours,
    elementHours,
    heatPumpShare: heatPumpWh !== null && totalWh !== null && totalWh > 0 ? roundTo((heatPumpWh / totalWh) * 100, 1) : null,
  };
}

/** A missing or non-numeric figure is 0 (days not yet reached come as 0); a number the unit cannot report is null. */
function figure(span: EnergySpan, v: Record<string, unknown>, key: string, report?: ImplausibleReporter): number | null {
  const value = v[key];
  return typeof value === 'number' ? plausibleNumber(ENERGY_RANGES[span], key, value, report) : 0;
}

function decodeFigures(value: unknown, span: EnergySpan, report?: ImplausibleReporter): EnergyFigures {
  const v = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return figures(figure(span, v, 'hpUsage', report), figure(span, v, 'heUsage', report), figure(span, v, 'hpTime', report), figure(span, v, 'heTime', report));
}

/** The sum of the known values; null when there were values but none is known. */
function total(values: ReadonlyArray<number | null>): number | null {
  let sum = 0;
  let known = 0;
  for (const value of values) {
    if (value === null) continue;
    sum += value;
    known++;
  }
  return values.length > 0 && known === 0 ? null : sum;
}

function sum(items: readonly EnergyFigures[]): EnergyFigures {
  return figures(
    total(items.map((i) => i.heatPumpWh)),
    total(items.map((i) => i.elementWh)),
    total(items.map((i) => i.heatPumpHours)),
    total(items.map((i) => i.elementHours)),
  );
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Decodes a daily or monthly energy reply. Daily entries carry `month` and one item per day;
 * monthly entries have no `month` and 12 items, January first. Never throws; implausible figures are null
 * (each reported to `onImplausible` by wire name).
 */
export function decodeEnergyUsage(response: unknown, onImplausible?: ImplausibleReporter): DecodedEnergy {
  const r = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
  const usage = asArray(r.usage).filter((u): u is Record<string, unknown> => typeof u === 'object' && u !== null);
  // The month key is the reliable marker; typeOfUsage 0 = daily is app-derived, never captured.
  const daily = usage.some((u) => typeof u.month === 'number') || (usage.length === 0 && r.typeOfUsage === 0);
  const periods = usage.map((u): EnergyPeriod => {
    const span: EnergySpan = daily ? 'day' : 'month';
    const items = asArray(u.data).map((d, i): EnergyItem => ({ ...(daily ? { day: i + 1 } : { month: i + 1 }), ...decodeFigures(d, span, onImplausible) }));
    const period: EnergyPeriod = { year: typeof u.year === 'number' ? u.year : null, items, totals: sum(items) };
    if (typeof u.month === 'number') period.month = u.month;
    return period;
  });
  return {
    kind: daily ? 'daily' : 'monthly',
    lifetime: typeof r.total === 'object' && r.total !== null ? decodeFigures(r.total, 'lifetime', onImplausible) : null,
    periods,
    totals: sum(periods.map((p) => p.totals)),
  };
}
