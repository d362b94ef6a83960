import { SdkUnavailableError } from './errors';
import { JsMqttSession } from './js-mqtt';
import { AwsSdkSession, loadSdk } from './aws-sdk-transport';
import type { MqttSessionOptions, OpenedSession } from './mqtt-transport';

export type TransportKind = 'native' | 'js';

/**
 * Which MQTT transport a connection uses (NAVIEN_MQTT_TRANSPORT):
 * - `auto` (default): the AWS IoT Device SDK (native aws-crt binding) wherever it loads, the pure-JavaScript
 *   transport where it does not (e.g. 32-bit ARM, where aws-crt has no prebuilt binary and is an optional dependency);
 * - `native`: the SDK only (fails clearly where it cannot load);
 * - `js`: the pure-JavaScript transport only.
 * Throws SdkUnavailableError for an unknown value, or for `native` where the SDK cannot load.
 */
export function selectTransport(env: NodeJS.ProcessEnv = process.env): TransportKind {
  const wanted = (env.NAVIEN_MQTT_TRANSPORT ?? '').trim().toLowerCase() || 'auto';
  switch (wanted) {
    case 'js':
      return 'js';
    case 'native':
      loadSdk();
      return 'native';
    case 'auto':
      try {
        loadSdk();
        return 'native';
      } catch (err) {
        if (err instanceof SdkUnavailableError) return 'js';
        throw err;
      }
    default:
      throw new SdkUnavailableError(`unknown NAVIEN_MQTT_TRANSPORT "${env.NAVIEN_MQTT_TRANSPORT}"; use auto, native or js`);
  }
}

/** An opened session and the transport that opened it, so a connection can say which one it runs on. */
export interface SelectedSession extends OpenedSession {
  transport: TransportKind;
}

export function openMqttSession(options: MqttSessionOptions, env: NodeJS.ProcessEnv = process.env): Promise<SelectedSession> {
  let kind: TransportKind;
  try {
    kind = selectTransport(env);
  } catch (err) {
    return Promise.reject(err);
  }
  const opened = kind === 'js' ? JsMqttSession.open(options) : AwsSdkSession.open(options);
  return opened.then((o) => ({ ...o, transport: kind }));
}
