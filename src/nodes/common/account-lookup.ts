import type { Node, NodeAPI } from 'node-red';
import type { AccountNode } from './account-api';

/** The configured account node, or undefined (not set, or deleted) so the caller can show a red status. */
export function findAccount(RED: NodeAPI, id: unknown): AccountNode | undefined {
  if (typeof id !== 'string' || id === '') return undefined;
  const found = RED.nodes.getNode(id) as (Node & Partial<AccountNode>) | null;
  return found && typeof found.register === 'function' ? (found as AccountNode) : undefined;
}

/** A translator bound to Node-RED's i18n, for the status helpers in src/nodes/common. */
export function translator(RED: NodeAPI) {
  return (key: string, args?: Record<string, unknown>) => {
    const text = RED._(key, args as Record<string, string>);
    // Without our catalog (e.g. a runtime that did not register it) the key comes back as is:
    // keep the details so the message still says what went wrong.
    return text === key && args && Object.keys(args).length > 0 ? `${key}: ${JSON.stringify(args)}` : text;
  };
}
