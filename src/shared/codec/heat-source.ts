/**
 * What really heats, judged from a raw status: a codec-level reading of the device's own fields, pure, so the planner's
 * tank model and navien-status's derived values share one rule.
 */
import type { HeatSourceName } from './enums';
import { STATUS_RANGES, plausibleNumber } from './plausible';
import { isPoweredOn } from './summary';

/** Idle draw is 1-20 W; the compressor alone ~430 W; an element 4.7-5.4 kW (docs/protocol.md#energy-counters). */
export const IDLE_MAX_W = 100;
export const ELEMENT_MIN_W = 2000;
/**
 * The heat source that is really running. The flags (`compUse`, `heatUpperUse`, `heatLowerUse`; 2 = on) can lag the
 * power reading, so the power decides when it is reported: below 100 W nothing heats, from 2000 W an element does
 * (with the compressor too if its flag is on), in between the heat pump. Without a plausible power reading (missing,
 * negative, beyond what the unit can draw) the flags decide.
 */
export function activeHeatSource(raw: Record<string, unknown>): HeatSourceName {
  if (!isPoweredOn(raw)) return 'none';
  const compressor = raw.compUse === 2;
  const element = raw.heatUpperUse === 2 || raw.heatLowerUse === 2;
  const power = plausibleNumber(STATUS_RANGES, 'currentInstPower', raw.currentInstPower);
  if (power === null) {
    if (compressor && element) return 'both';
    if (compressor) return 'heat-pump';
    return element ? 'element' : 'none';
  }
  if (power < IDLE_MAX_W) return 'none';
  if (power >= ELEMENT_MIN_W) return compressor ? 'both' : 'element';
  return 'heat-pump';
}
