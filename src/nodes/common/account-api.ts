import type { Node } from 'node-red';
import type { AccountConnection, ConnectionState, DevicePresence } from '../../shared/connection';
import type { ConnectionRecord, DropRecord } from '../../shared/connection/diagnostics';
import type { SettingsKeeper } from '../../shared/ledger/settings-keeper';

/**
 * What a node using the account hears from the shared connection about the connection itself. Every handler is
 * optional. Device messages do not come this way: a node subscribes to them through the device API
 * (src/shared/device/device-api.ts) and ends its subscription on close.
 */
export interface AccountUser {
  id: string;
  onState?(state: ConnectionState): void;
  onReady?(): void;
  onPresence?(mac: string, presence: DevicePresence): void;
  onDrop?(drop: DropRecord): void;
  onReconnected?(record: ConnectionRecord): void;
}

/** The navien-account config node as the other nodes see it. */
export interface AccountNode extends Node {
  readonly readOnly: boolean;
  /** IANA zone of the heater's clock (program entries, charge targets); undefined = the host's zone. */
  readonly timeZone: string | undefined;
  /** Why the configured zone cannot be used (catalog text), or undefined. */
  readonly timeZoneError: string | undefined;
  readonly connection: AccountConnection | undefined;
  readonly state: ConnectionState;
  register(user: AccountUser): void;
  deregister(user: AccountUser): Promise<void>;
  /** The undo keeper of a heater on the current connection (undefined without one). */
  keeper(mac: string): SettingsKeeper | undefined;
}
