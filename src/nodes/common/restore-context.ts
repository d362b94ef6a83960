import type { Node } from 'node-red';
import type { TimedState, TimedStore } from '../../shared/control/timed-actions';

/** Where navien-control keeps a pending boost/vacation restore in its context (persistent with a file-backed store). */
const RESTORE_CONTEXT_KEY = 'navienRestore';

/**
 * navien-control's pending restore in the node's context, with `memory` (by node id, for this process) as a
 * fallback: Node-RED deletes a node's context when the node closes unless a context store is configured, so
 * without it a plain redeploy would forget a running boost. `onRemembered` runs whenever a restore is stored (see
 * memoryOnlyWarning).
 */
export function contextRestoreStore(node: Node, memory: Map<string, TimedState>, onRemembered: () => void = () => undefined): TimedStore {
  const context = node.context();
  return {
    get: () =>
      new Promise<TimedState | undefined>((resolve, reject) =>
        context.get(RESTORE_CONTEXT_KEY, (err: Error | undefined, value: unknown) =>
          err ? reject(err) : resolve((value as TimedState | undefined) ?? structuredClone(memory.get(node.id))),
        ),
      ),
    set: (state: TimedState) => {
      const value = Object.keys(state).length ? state : undefined;
      if (value) {
        memory.set(node.id, structuredClone(value));
        onRemembered();
      }
      else memory.delete(node.id);
      return new Promise<void>((resolve, reject) => context.set(RESTORE_CONTEXT_KEY, value, (err?: Error) => (err ? reject(err) : resolve())));
    },
  };
}
