/**
 * A rejected planner input: where it is (`payload.priceData[3].start`), what was expected there and what came.
 * Shaped like the control path's ControlInputError (an i18n key plus arguments) so the node can translate it,
 * with an English message that already reads well in a Catch node.
 */
export class PlanInputError extends Error {
  readonly key = 'bad-input';
  readonly args: { path: string; expected: string; value: string };

  constructor(readonly path: string, readonly expected: string, value?: unknown) {
    const shown = show(value);
    super(`${path}: expected ${expected}, got ${shown}`);
    this.name = 'PlanInputError';
    this.args = { path, expected, value: shown };
  }
}

/** A short, JSON-like rendering of a rejected value (long values cut, so one bad price list does not flood a log). */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
