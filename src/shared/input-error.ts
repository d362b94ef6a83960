/**
 * Bad input from a flow (a control request, a read request): what every node reports the same way, as a catalog key
 * plus its arguments, so the node says it in the user's language and names the field, the value and what is allowed.
 */
export class InputError extends Error {
  constructor(readonly key: string, readonly args: Record<string, string | number> = {}) {
    super(`${key}: ${JSON.stringify(args)}`);
    this.name = 'InputError';
  }
}

/** How much of a value an error text quotes by default: enough to recognise it, not a whole payload. */
export const SHOWN_CHARS = 60;

/** A value as the user wrote it, for error texts: JSON (`"on"`, `[]`, `undefined`), cut after `max` characters. */
export function show(value: unknown, max = SHOWN_CHARS): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
  return cut(text, max);
}

/** For texts that already quote the value ('__value__'): a string as it is, anything else as JSON. */
export function plain(value: unknown, max = SHOWN_CHARS): string {
  return typeof value === 'string' ? cut(value, max) : show(value, max);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
