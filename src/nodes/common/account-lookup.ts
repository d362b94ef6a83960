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
  return (key: string, args?: Record<string, unknown>) => RED._(key, args as Record<string, string>);
}
