import { createHash, randomBytes } from 'node:crypto';

/**
 * A random id of this running process, made once when the module is loaded. Every MQTT client id derives from it,
 * so two Node-RED processes never share one, also when they start from one copied user directory (a restored
 * backup, a staging copy): AWS IoT allows one connection per client id, and two processes sharing an id would kick
 * each other off the broker forever (docs/protocol.md#client-id).
 *
 * Stable for the life of the process, so a redeploy reconnects under the same id; the account node therefore never
 * opens a connection before the previous one with that id has closed. Deliberately not kept across restarts: with
 * clean sessions a stable id would preserve nothing, and after a crash the dead connection merely lingers at the
 * broker until its keep-alive runs out, harmlessly.
 */
const PROCESS_INSTANCE = randomBytes(16).toString('hex');

/** Unique per running process and account (config node id), stable across redeploys; never derived from a secret. */
export function deriveClientId(accountKey: string, instance: string = PROCESS_INSTANCE): string {
  const digest = createHash('sha256').update(`${instance}|${accountKey}`).digest('hex').slice(0, 12);
  return `navien-nr-${digest}`;
}
