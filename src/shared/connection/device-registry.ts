/**
 * The account's heaters as the connection knows them: the device list, each one's presence and feature record, and
 * the routing of inbound messages to the queries waiting for them and to the connection's listeners.
 */
import { implausibleValues } from '../codec/audit';
import { parseCloudJson } from '../codec/cloud-json';
import { NWP500_DEVICE_TYPE } from '../codec/commands';
import { classifyInbound } from '../codec/routing';
import type { DeviceEntry } from '../rest-client';
import type { DiagnosticsCollector } from './diagnostics';
import type { ReplyMatcher } from './reply-matcher';
import type { DevicePresence, Emit } from './types';

export class DeviceRegistry {
  private deviceList: DeviceEntry[] = [];
  private readonly presence = new Map<string, DevicePresence>();
  private readonly withFeatures = new Set<string>();
  private readonly features = new Map<string, Record<string, unknown>>();

  constructor(private readonly diagnostics: DiagnosticsCollector, private readonly replies: ReplyMatcher, private readonly emit: Emit) {}

  get devices(): readonly DeviceEntry[] {
    return this.deviceList;
  }

  device(mac: string): DeviceEntry | undefined {
    return this.deviceList.find((d) => d.mac === mac);
  }

  presenceOf(mac: string): DevicePresence {
    return this.presence.get(mac) ?? 'unknown';
  }

  /** The device's last feature record (raw `response.feature`), once it has been read. */
  featuresOf(mac: string): Record<string, unknown> | undefined {
    return this.features.get(mac);
  }

  /** Whether a feature request of ours was answered (later requests get the shorter timeout). */
  featuresAnswered(mac: string): boolean {
    return this.withFeatures.has(mac);
  }

  markFeaturesAnswered(mac: string): void {
    this.withFeatures.add(mac);
  }

  /** Takes the account's device list as REST returned it. */
  update(devices: DeviceEntry[]): DeviceEntry[] {
    // NWP500 devices only: other families speak the legacy protocol (docs/protocol.md#other-families).
    this.deviceList = devices.filter((d) => d.deviceType === NWP500_DEVICE_TYPE);
    for (const device of this.deviceList) {
      if (!this.presence.has(device.mac)) this.presence.set(device.mac, device.cloudPresence);
    }
    this.emit('devices', this.deviceList);
    return this.deviceList;
  }

  setPresence(mac: string, presence: DevicePresence): void {
    if (this.presence.get(mac) === presence) return;
    this.presence.set(mac, presence);
    this.emit('presence', mac, presence);
  }

  /** Every inbound MQTT message of the session. */
  onMessage(topic: string, payload: Buffer): void {
    this.diagnostics.messagesReceived++;
    let parsed: unknown;
    try {
      parsed = parseCloudJson(payload.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const message = classifyInbound(topic, parsed);
    if (message.kind === 'echo' || message.kind === 'malformed') {
      this.emit('message', message);
      return;
    }
    if (message.mac) {
      const known = this.device(message.mac);
      if (!known) return; // a reply for someone else's device on a shared client topic
      // Anything the device itself sent proves it is online; a connection event is about some client instead.
      if (message.kind !== 'connection-event') this.setPresence(message.mac, 'online');
      // Counted once here, for every node that decodes this message (they output these values as null).
      for (const field of implausibleValues(message)) this.diagnostics.recordImplausible(field);
      const feature = message.kind === 'feature' ? message.response?.feature ?? message.response?.did : undefined;
      if (feature && typeof feature === 'object') this.features.set(message.mac, feature as Record<string, unknown>);
      this.replies.deliver(message);
    }
    this.emit('message', message);
  }
}
