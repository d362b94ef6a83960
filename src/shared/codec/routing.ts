/** Classification of inbound MQTT messages (docs/protocol.md#routing). */

export type InboundKind =
  | 'echo'
  | 'status'
  | 'feature'
  | 'reservation'
  | 'recirc-reservation'
  | 'energy'
  | 'tou-echo'
  | 'firmware'
  | 'diagnostics'
  | 'ctrl-fail'
  | 'connection-event'
  | 'maintenance'
  | 'malformed'
  | 'unknown';

export interface InboundMessage {
  kind: InboundKind;
  topic: string;
  /** The device it concerns: `response/request/event.macAddress`, else the `navilink-{mac}` topic segment. */
  mac?: string;
  /** The reply object; `st`/`did` aliases are normalised to `status`/`feature`. */
  response?: Record<string, unknown>;
  /** The echoed request (kind `echo`). */
  request?: Record<string, unknown>;
  /** The event object (kind `connection-event`). */
  event?: Record<string, unknown>;
  /** The parsed payload as received. */
  payload: unknown;
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAINTENANCE_TOPIC = /^evt\/[^/]+\/mobile\/event\/disconnect-mqtt$/;
const TOPIC_MAC = /(?:^|\/)navilink-([0-9a-fA-F]{12})(?:\/|$)/;

function macOf(source: Obj | undefined, ...topics: unknown[]): string | undefined {
  if (source && typeof source.macAddress === 'string' && source.macAddress) return source.macAddress.toLowerCase();
  for (const topic of topics) {
    const match = typeof topic === 'string' ? TOPIC_MAC.exec(topic) : null;
    if (match) return match[1].toLowerCase();
  }
  return undefined;
}

/** The topic tail after `res/` (client/app reply topics) or after `navilink-{mac}/` (device topics). */
function topicSuffix(topic: string): string {
  const res = topic.indexOf('/res/');
  if (res >= 0) return topic.slice(res + 5);
  const match = /^(?:cmd|evt)\/[^/]+\/navilink-[^/]+\/(.*)$/.exec(topic);
  return match ? match[1] : '';
}

function isTouPeriodList(value: unknown): boolean {
  return Array.isArray(value) && value.some((p) => isObject(p) && ('season' in p || 'startHour' in p));
}

/** Reservation-shaped replies share keys; the topic (or the echoed request topic) says which one. */
function scheduleKind(suffix: string, requestTopic: unknown, response: Obj): InboundKind {
  const requested = typeof requestTopic === 'string' ? requestTopic : '';
  if (suffix.startsWith('tou') || requested.endsWith('/tou/rd') || isTouPeriodList(response.reservation)) return 'tou-echo';
  if (suffix.startsWith('recirc-rsv') || requested.includes('/recirc-rsv')) return 'recirc-reservation';
  return 'reservation';
}

function responseKind(response: Obj, suffix: string, requestTopic: unknown): InboundKind {
  if (isObject(response.status)) return 'status';
  if (isObject(response.feature)) return 'feature';
  if ('failCode' in response) return 'ctrl-fail';
  if ('downloadSwInfo' in response) return 'firmware';
  if (isObject(response.data) && 'tsData' in response.data) return 'diagnostics';
  if ('typeOfUsage' in response || 'usage' in response) return 'energy';
  if ('reservation' in response || 'reservationUse' in response) return scheduleKind(suffix, requestTopic, response);
  // Nothing recognisable in the body: fall back to the topic as a hint.
  if (suffix === 'ctrl-fail') return 'ctrl-fail';
  if (suffix.startsWith('energy-usage')) return 'energy';
  if (suffix === 'dl-sw-info') return 'firmware';
  if (suffix === 'td/rd') return 'diagnostics';
  return 'unknown';
}

/** nwp500-python accepts `st`/`did` as aliases of `status`/`feature`; normalise so consumers read one key. */
function normaliseResponse(response: Obj): Obj {
  if (!isObject(response.status) && isObject(response.st)) return { ...response, status: response.st };
  if (!isObject(response.feature) && isObject(response.did)) return { ...response, feature: response.did };
  return response;
}

/**
 * Classifies one inbound message. `payload` is the parsed JSON (pass undefined when parsing
 * failed). Never throws; anything unusable is `malformed`.
 */
export function classifyInbound(topic: string, payload: unknown): InboundMessage {
  const t = typeof topic === 'string' ? topic : '';
  // The cloud's maintenance broadcast is recognised by topic alone; the app does not parse its body.
  if (MAINTENANCE_TOPIC.test(t)) return { kind: 'maintenance', topic: t, payload };
  if (!isObject(payload)) return { kind: 'malformed', topic: t, payload, mac: macOf(undefined, t) };

  if (isObject(payload.request)) {
    return { kind: 'echo', topic: t, mac: macOf(payload.request, t, payload.requestTopic), request: payload.request, payload };
  }
  if (isObject(payload.event)) {
    const kind: InboundKind = isObject(payload.event.connection) ? 'connection-event' : 'unknown';
    return { kind, topic: t, mac: macOf(payload.event, t), event: payload.event, payload };
  }
  if (isObject(payload.response)) {
    const response = normaliseResponse(payload.response);
    const kind = responseKind(response, topicSuffix(t), payload.requestTopic);
    return { kind, topic: t, mac: macOf(response, t, payload.requestTopic), response, payload };
  }
  if ('request' in payload || 'response' in payload || 'event' in payload) {
    return { kind: 'malformed', topic: t, mac: macOf(undefined, t), payload };
  }
  return { kind: 'unknown', topic: t, mac: macOf(undefined, t), payload };
}
