/**
 * Parsing of what the cloud sends (MQTT payloads, REST bodies). JSON.parse keeps a `"__proto__"` key as an own
 * property; copying such an object key by key with plain assignment then replaces the copy's prototype, and
 * `constructor` / `prototype` keys are the other half of the usual prototype-pollution gadgets. No NaviLink record
 * has such keys (docs/protocol.md), so they are dropped at the door and skipped wherever cloud keys are copied.
 */

/** Keys that must never be copied from cloud data onto an object. */
export const UNSAFE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
const UNSAFE: ReadonlySet<string> = new Set(UNSAFE_KEYS);

/** A key that must never be copied from cloud data onto an object. */
export function isUnsafeKey(key: string): boolean {
  return UNSAFE.has(key);
}

function dropUnsafeKeys(this: unknown, key: string, value: unknown): unknown {
  return UNSAFE.has(key) ? undefined : value;
}

/**
 * Cheap test that `text` may hold an unsafe key: it names one, or uses an escape that could spell one. Searching
 * for `constructor` and `prototype` as such costs about a third of JSON.parse on a status payload (their first
 * letters are everywhere in it); `uctor` and `totyp` rule out nearly every payload in one pass, and only a text
 * that has one of them is searched for the whole words.
 */
function mayHoldUnsafeKey(text: string): boolean {
  if (text.includes('__proto__') || text.includes('\\u')) return true;
  return SUSPECT.test(text) && (text.includes('constructor') || text.includes('prototype'));
}
const SUSPECT = /uctor|totyp/;

/**
 * JSON.parse without `__proto__`, `constructor` and `prototype` keys at any depth. The reviver runs only when the
 * text can hold such a key, so ordinary payloads parse at plain JSON.parse speed. Throws like JSON.parse on invalid
 * JSON.
 */
export function parseCloudJson(text: string): unknown {
  return mayHoldUnsafeKey(text) ? JSON.parse(text, dropUnsafeKeys) : JSON.parse(text);
}
