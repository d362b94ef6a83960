/**
 * One input message of the planner: prices in any supported shape, optionally with `surplus` and `targets` beside
 * them (`{priceData, surplus, targets}`, `{today, tomorrow, targets}`, `{prices: [...], targets}`, ...), or an object
 * with only `targets` and/or `surplus` (then the last prices stay). `"heater-tou"` (as the payload or as its `prices`)
 * plans from the heater's own TOU plan instead (tou-prices.ts). Bad input throws PlanInputError and changes nothing.
 */
import { PlanInputError, isRecord } from './input-error';
import { PRICE_SHAPES, ParsedPrices, SurplusSlot, parsePrices, parseSurplus } from './prices';
import { TargetSpec, parseTargets } from './targets';
import { HEATER_TOU } from './tou-prices';

export interface PlanInput {
  /** Null when the message carries no prices. */
  prices: ParsedPrices | null;
  /** The message asks for the heater's own TOU plan as the prices (then `prices` is null). */
  heaterTou?: true;
  /** Undefined when the message has no `surplus`. */
  surplus?: SurplusSlot[];
  /** Undefined when the message has no `targets` (the node's configured ones apply). */
  targets?: TargetSpec[];
}

const PRICE_KEYS = ['priceData', 'today', 'tomorrow', 'data', 'prices'];

export function parsePlanInput(payload: unknown, path = 'payload'): PlanInput {
  if (Array.isArray(payload)) return { prices: parsePrices(payload, path) };
  if (payload === HEATER_TOU) return { prices: null, heaterTou: true };
  if (!isRecord(payload)) throw new PlanInputError(path, `prices as ${PRICE_SHAPES}, or "${HEATER_TOU}"`, payload);
  const heaterTou = payload.prices === HEATER_TOU;
  const hasPrices = !heaterTou && PRICE_KEYS.some((k) => k in payload);
  const out: PlanInput = { prices: hasPrices ? parsePrices(payload, path) : null };
  if (heaterTou) out.heaterTou = true;
  if ('surplus' in payload) out.surplus = parseSurplus(payload.surplus, `${path}.surplus`);
  if ('targets' in payload) out.targets = parseTargets(payload.targets, `${path}.targets`);
  if (!hasPrices && !heaterTou && out.surplus === undefined && out.targets === undefined) {
    throw new PlanInputError(path, `prices as ${PRICE_SHAPES}, or targets/surplus`, payload);
  }
  return out;
}
