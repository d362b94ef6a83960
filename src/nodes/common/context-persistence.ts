import type { Node, NodeAPI } from 'node-red';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether the default context store of settings.js `contextStorage` keeps values across a restart of Node-RED, read
 * the way Node-RED picks its default store: `default` (an alias naming another store, or a store itself), else the
 * first store configured; none at all is memory. Only the built-in `memory` module forgets; `localfilesystem` and
 * any custom module are taken to persist.
 */
export function defaultContextStorePersists(contextStorage: unknown): boolean {
  if (!isRecord(contextStorage)) return false;
  const names = Object.keys(contextStorage).filter((name) => name !== '_' && !(name === 'default' && typeof contextStorage.default === 'string'));
  const chosen = Object.hasOwn(contextStorage, 'default') ? contextStorage.default : contextStorage[names[0]];
  const store = typeof chosen === 'string' ? contextStorage[chosen] : chosen;
  return isRecord(store) && store.module !== undefined && store.module !== 'memory';
}

/**
 * A warning a node gives at most once per deploy when something it must not forget (a restore, its program entries)
 * lives only in memory: a restart of Node-RED would lose it. Nothing when the default context store persists.
 */
export function memoryOnlyWarning(RED: NodeAPI, node: Node, text: () => string): () => void {
  const contextStorage = (RED.settings as unknown as Record<string, unknown>).contextStorage;
  let warned = defaultContextStorePersists(contextStorage);
  return () => {
    if (warned) return;
    warned = true;
    node.warn(text());
  };
}
