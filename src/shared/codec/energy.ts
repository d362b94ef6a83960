/** Energy history replies (docs/protocol.md#energy-usage): Wh and hours per day or month, plus lifetime totals. */
import { roundTo } from './units';

export interface EnergyFigures {
  heatPumpWh: number;
  elementWh: number;
  totalWh: number;
  heatPumpHours: number;
  elementHours: number;
  /** Heat-pump share of the energy, percent with one decimal; null when nothing was used. */
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

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function figures(heatPumpWh: number, elementWh: number, heatPumpHours: number, elementHours: number): EnergyFigures {
  const totalWh = heatPumpWh + elementWh;
  return {
    heatPumpWh,
    elementWh,
    totalWh,
    heatPumpHours,
    elementHours,
    heatPumpShare: totalWh > 0 ? roundTo((heatPumpWh / totalWh) * 100, 1) : null,
  };
}

function decodeFigures(value: unknown): EnergyFigures {
  const v = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return figures(num(v.hpUsage), num(v.heUsage), num(v.hpTime), num(v.heTime));
}

function sum(items: readonly EnergyFigures[]): EnergyFigures {
  return figures(
    items.reduce((t, i) => t + i.heatPumpWh, 0),
    items.reduce((t, i) => t + i.elementWh, 0),
    items.reduce((t, i) => t + i.heatPumpHours, 0),
    items.reduce((t, i) => t + i.elementHours, 0),
  );
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Decodes a daily or monthly energy reply. Daily entries carry `month` and one item per day;
 * monthly entries have no `month` and 12 items, January first. Never throws.
 */
export function decodeEnergyUsage(response: unknown): DecodedEnergy {
  const r = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
  const usage = asArray(r.usage).filter((u): u is Record<string, unknown> => typeof u === 'object' && u !== null);
  // The month key is the reliable marker; typeOfUsage 0 = daily is app-derived, never captured.
  const daily = usage.some((u) => typeof u.month === 'number') || (usage.length === 0 && r.typeOfUsage === 0);
  const periods = usage.map((u): EnergyPeriod => {
    const items = asArray(u.data).map((d, i): EnergyItem => ({ ...(daily ? { day: i + 1 } : { month: i + 1 }), ...decodeFigures(d) }));
    const period: EnergyPeriod = { year: typeof u.year === 'number' ? u.year : null, items, totals: sum(items) };
    if (typeof u.month === 'number') period.month = u.month;
    return period;
  });
  return {
    kind: daily ? 'daily' : 'monthly',
    lifetime: typeof r.total === 'object' && r.total !== null ? decodeFigures(r.total) : null,
    periods,
    totals: sum(periods.map((p) => p.totals)),
  };
}
