import type { Node } from 'node-red';
import type { ValueStore } from '../../shared/planner-session';

/**
 * A value in the node's context under `key`, with `memory` (by node id, for this process) as a fallback: Node-RED
 * deletes a node's context when the node closes unless a context store is configured, so without one a plain
 * redeploy would forget it (as contextRestoreStore does for navien-control's boost).
 */
export function contextValueStore<T>(node: Node, key: string, memory: Map<string, T>): ValueStore<T> {
  const context = node.context();
  return {
    get: () =>
      new Promise<T | undefined>((resolve, reject) =>
        context.get(key, (err: Error | undefined, value: unknown) => (err ? reject(err) : resolve((value as T | undefined) ?? memory.get(node.id)))),
      ),
    set: (value: T | undefined) => {
      if (value === undefined) memory.delete(node.id);
      else memory.set(node.id, value);
      return new Promise<void>((resolve, reject) => context.set(key, value, (err?: Error) => (err ? reject(err) : resolve())));
    },
  };
}
