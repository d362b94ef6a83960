/**
 * Values users ask for that the device does not report directly, computed from a raw status. Pure: no Node-RED, no
 * I/O. How each is computed is documented in the navien-status help. The heat source and the energy report are
 * codec-level (codec/heat-source, codec/energy-report) so the planner and the device reads need nothing from here.
 */
// From the codec's modules, not its index (whose re-exports are getters): deriveStatus runs for every status.
import type { HeatSourceName } from '../codec/enums';
import { activeHeatSource } from '../codec/heat-source';
import { energyToFullWh, fullChargeWh, usableEnergyWh, vacationDaysLeft } from '../codec/summary';
import { whToKWh } from '../codec/units';

/** The device reverts Electric mode to its previous mode after about 72 hours. */
export const ELECTRIC_REVERT_HOURS = 72;

export interface DerivedStatus {
  /** Hot water drawable above 40.5 °C, kWh with two decimals ((total - available) x 4 Wh). */
  usableEnergyKWh: number | null;
  /** Energy to heat the whole tank from 40.5 °C to the setpoint, kWh. */
  fullChargeKWh: number | null;
  /** Energy still needed to reach the setpoint, kWh. */
  energyToFullKWh: number | null;
  /** What really heats now, judged by the measured power first, the component flags second. */
  activeHeatSource: HeatSourceName;
  vacationDaysLeft: number | null;
  /** ISO time when Electric mode is expected to revert by itself, when it is on and its start is known. */
  electricRevertsAt: string | null;
}

export function electricRevertsAt(electricSinceMs: number | null | undefined): string | null {
  return typeof electricSinceMs === 'number' ? new Date(electricSinceMs + ELECTRIC_REVERT_HOURS * 3_600_000).toISOString() : null;
}

export function deriveStatus(raw: Record<string, unknown>, electricSinceMs?: number | null): DerivedStatus {
  return {
    usableEnergyKWh: whToKWh(usableEnergyWh(raw)),
    fullChargeKWh: whToKWh(fullChargeWh(raw)),
    energyToFullKWh: whToKWh(energyToFullWh(raw)),
    activeHeatSource: activeHeatSource(raw),
    vacationDaysLeft: vacationDaysLeft(raw),
    electricRevertsAt: raw.dhwOperationSetting === 2 ? electricRevertsAt(electricSinceMs) : null,
  };
}

