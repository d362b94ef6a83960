import type { NodeStatus } from 'node-red';
import type { ConnectionState } from '../../shared/connection';

export type Translate = (key: string, args?: Record<string, unknown>) => string;

/** The shared connection state as a node status: green dot connected, yellow ring on the way, red ring stuck. */
export function connectionStatus(state: ConnectionState, t: Translate, prefix: string): NodeStatus {
  const key = (name: string) => `${prefix}.status.${name}`;
  switch (state.phase) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text: t(key('connected')) };
    case 'connecting':
    case 'idle':
      return { fill: 'yellow', shape: 'ring', text: t(key('connecting')) };
    case 'reconnecting':
      if (state.retryInMs === undefined) {
        return { fill: 'yellow', shape: 'ring', text: t(key(state.deep ? 'deep-reconnect' : 'connecting')) };
      }
      return { fill: 'yellow', shape: 'ring', text: t(key('reconnecting'), { seconds: Math.max(1, Math.round(state.retryInMs / 1000)) }) };
    case 'invalid-credentials':
      // Not a wrong password but a refusal the cloud repeated: its own words tell the user what to fix.
      if (state.refusal) return { fill: 'red', shape: 'ring', text: t(key('sign-in-refused'), { reason: state.refusal }) };
      return { fill: 'red', shape: 'ring', text: t(key('invalid-credentials')) };
    case 'missing-credentials':
      return { fill: 'red', shape: 'ring', text: t(key('missing-credentials')) };
    case 'sdk-unavailable':
      return { fill: 'red', shape: 'ring', text: t(key('sdk-unavailable')) };
    case 'config-error':
      return { fill: 'red', shape: 'ring', text: state.error ?? t(key('cloud-unavailable')) };
    case 'closed':
      return { fill: 'grey', shape: 'ring', text: t(key('closed')) };
  }
}
