import type { Node } from 'node-red';
import { errorMessage } from '../../shared/errors';
import type { AlertStore } from '../../shared/reading/alert-tracker';
import type { AlertState } from '../../shared/reading/alerts';

const ALERTS_CONTEXT_KEY = 'alerts';

/**
 * navien-status's alert state in the node's context (`alerts`, per MAC), so a restart with a persistent context store
 * neither repeats nor forgets alerts. Read on every use: what a restart or another writer left there is what counts.
 */
export function contextAlertStore(node: Node): AlertStore {
  const stored = () => {
    const value = node.context().get(ALERTS_CONTEXT_KEY) as Record<string, AlertState> | undefined;
    return value && typeof value === 'object' ? value : undefined;
  };
  return {
    get(mac) {
      try {
        return stored()?.[mac];
      } catch {
        return undefined;
      }
    },
    set(mac, state) {
      try {
        node.context().set(ALERTS_CONTEXT_KEY, { ...(stored() ?? {}), [mac]: state });
      } catch (err) {
        node.debug(`could not store the alert state: ${errorMessage(err)}`);
      }
    },
  };
}
