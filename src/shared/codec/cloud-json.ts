/**
 * Parsing of what the cloud sends (MQTT payloads, REST bodies). JSON.parse keeps a `"__proto__"` key as an own
 * property; copying such an object key by key with plain assignment then replaces the copy's prototype, and
 * `constructor` / `prototype` keys are the other half of the usual prototype-pollution gadgets. No NaviLink record
 * has such keys (docs/protocol.md), so they are dropped at the door and skipped wherever cloud keys are copied.
 */

const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A key that must never be copied from cloud data onto an object. */
export function isUnsafeKey(key: string): boolean {
  return UNSAFE_KEYS.has(key);
}

function dropUnsafeKeys(this: unknown, key: string, value: unknown): unknown {
  return UNSAFE_KEYS.has(key) ? undefined : value;
}

/**
 * JSON.parse without `__proto__`, `constructor` and `prototype` keys at any depth. The reviver runs only when the
 * text can hold such a key (it names one, or uses an escape that could spell one), so ordinary payloads parse at
 * plain JSON.parse speed. Throws like JSON.parse on invalid JSON.
 */
export function parseCloudJson(text: string): unknown {
  const suspicious = text.includes('__proto__') || text.includes('constructor') || text.includes('prototype') || text.includes('\\u');
  return suspicious ? JSON.parse(text, dropUnsafeKeys) : JSON.parse(text);
}
