import type { Plan } from '../../src/shared/planner';

/**
 * A plan as the planner would hand it to the program writer: heat-pump windows at 62 °C between `start` and `end`,
 * energy-saver hold and restore; the figures the program ignores are fixed.
 */
export function windowsPlan(start: number, end: number, windows: Array<[number, number]>): Plan {
  return {
    createdAt: start,
    start,
    end,
    windows: windows.map(([from, to]) => ({ start: from, end: to, mode: 'heat-pump', setpointC: 62, kWh: 1, cost: 0.1 })),
    targets: [],
    expectedCost: 0,
    expectedKWh: 0,
    baselineCost: 0,
    baselineKWh: 0,
    savings: 0,
    chargeForecast: [],
    hold: { mode: 'energy-saver', setpointC: 40.5 },
    restore: { mode: 'energy-saver', setpointC: 60.5 },
    comfort: { comfortC: 43, met: true, feasible: true, draws: { source: 'given', count: 0, litres: 0 }, worst: { at: start, litres: 0 }, coldestDraw: null },
  };
}
