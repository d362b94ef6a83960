import { SdkUnavailableError } from './errors';
import { MqttSession, loadSdk } from './mqtt-session';
import type { MqttSessionOptions, OpenedSession } from './mqtt-transport';

/**
 * Which MQTT transport a connection uses: the AWS IoT Device SDK (native aws-crt binding) wherever it loads.
 * NAVIEN_MQTT_TRANSPORT=native forces the SDK (and fails clearly where it cannot load).
 */
export function openMqttSession(options: MqttSessionOptions, env: NodeJS.ProcessEnv = process.env): Promise<OpenedSession> {
  const wanted = (env.NAVIEN_MQTT_TRANSPORT ?? 'auto').toLowerCase();
  if (wanted !== 'native' && wanted !== 'auto') {
    return Promise.reject(new SdkUnavailableError(`unknown NAVIEN_MQTT_TRANSPORT "${env.NAVIEN_MQTT_TRANSPORT}"; use native or auto`));
  }
  loadSdk();
  return MqttSession.open(options);
}
