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

/**
 * An input as plain data: objects and arrays copied with their own enumerable keys only, all the way down, so a key
 * that is not on the message itself (one inherited through a prototype) is never obeyed, and every later check (`in`,
 * defaults) sees exactly what the flow set. Keys with the value undefined stay (they were set). Values that are not
 * plain data (dates, buffers, maps) stay as they are, for the type checks to refuse.
 */
export function ownData(value: unknown): unknown {
  return copyOwn(value, new Map());
}

function copyOwn(value: unknown, copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = copies.get(value);
  if (known !== undefined) return known; // a cycle: the copy, not endless recursion
  if (Array.isArray(value)) {
    const list: unknown[] = [];
    copies.set(value, list);
    for (let i = 0; i < value.length; i++) list.push(copyOwn(value[i], copies));
    return list;
  }
  if (Object.prototype.toString.call(value) !== '[object Object]') return value;
  const copy: Record<string, unknown> = {};
  copies.set(value, copy);
  for (const key of Object.keys(value)) {
    // defineProperty: an own key named __proto__ stays a key (to be refused as unknown), never a prototype.
    Object.defineProperty(copy, key, { value: copyOwn((value as Record<string, unknown>)[key], copies), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
