/**
 * The floor for "deploy to first status": a bare script doing the same steps as the account + status nodes, with
 * raw `got` and the raw `aws-iot-device-sdk-v2` (none of our client classes): sign in (REST), list the devices
 * (REST; the status request needs the device's additionalValue, and the node does this step too), open an
 * MQTT-over-WSS connection signed with the temporary AWS credentials, subscribe to the same two topic filters,
 * publish one status request and wait for the device's status reply. Only the request's JSON comes from our codec
 * (pure functions building an object). Runs in its own process, as Node-RED does; prints one JSON line per run.
 *
 * Input: BENCH_FLOOR = JSON {apiUrl, iotEndpoint, caFile, runs, warmup, roots}.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type * as Sdk from 'aws-iot-device-sdk-v2';
import { buildStatusRequest, clientReplyFilter, deviceTopicFilter } from '../src/shared/codec';

interface FloorInput {
  apiUrl: string;
  iotEndpoint: string;
  caFile: string;
  runs: number;
  warmup: number;
  /** Trust the system roots plus the test CA, as the package does when given a CA file (else the test CA only). */
  roots?: boolean;
}

const EMAIL = 'user@example.com';
const PASSWORD = 'example-password';

function now(): number {
  return performance.timeOrigin + performance.now();
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_FLOOR ?? '{}') as FloorInput;
  const ca = readFileSync(input.caFile, 'utf8');
  const mqttCa = input.roots ? [...rootCertificates, ca].join('\n') : ca;
  // Module loading is not part of a run: Node-RED has loaded got and the SDK before a deploy's clock starts too
  // (after the first deploy), and the measured Node-RED deploys are warm ones.
  const { got } = await import('got');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the optional dependency, loaded as src/shared/aws-sdk-transport.ts does
  const { auth, iot, mqtt } = require('aws-iot-device-sdk-v2') as typeof Sdk;
  const client = new mqtt.MqttClient();
  const [host, port] = input.iotEndpoint.split(':');

  const once = async (): Promise<{ ms: number; steps: Record<string, number> }> => {
    const t0 = now();
    const steps: Record<string, number> = {};
    const http = got.extend({ prefixUrl: input.apiUrl, https: { certificateAuthority: ca }, retry: { limit: 0 } });
    const signIn = await http.post('user/sign-in', { json: { userId: EMAIL, password: PASSWORD } }).json<{
      data: { token: { accessToken: string; accessKeyId: string; secretKey: string; sessionToken: string } };
    }>();
    const token = signIn.data.token;
    steps.signIn = now() - t0;
    const list = await http
      .post('device/list', { json: { offset: 0, count: 20, userId: EMAIL }, headers: { authorization: token.accessToken } })
      .json<{ data: Array<{ deviceInfo: { macAddress: string; additionalValue: string; deviceType: number; homeSeq?: number } }> }>();
    const info = list.data[0].deviceInfo;
    steps.deviceList = now() - t0;

    const clientId = `navien-floor-${randomBytes(6).toString('hex')}`;
    const builder = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
      region: 'us-east-1',
      credentials_provider: auth.AwsCredentialsProvider.newStatic(token.accessKeyId, token.secretKey, token.sessionToken),
    });
    builder.with_certificate_authority(mqttCa).with_endpoint(host).with_port(Number(port)).with_client_id(clientId).with_clean_session(true).with_keep_alive_seconds(60);
    const connection = client.new_connection(builder.build());
    connection.on('error', () => undefined);
    const reply = new Promise<void>((resolve) => {
      connection.on('message', (_topic, payload) => {
        try {
          const parsed = JSON.parse(Buffer.from(payload).toString('utf8')) as { response?: { status?: unknown } };
          if (parsed.response?.status) resolve();
        } catch {
          // not a status
        }
      });
    });
    await connection.connect();
    steps.connect = now() - t0;
    await connection.subscribe(clientReplyFilter(52, clientId), mqtt.QoS.AtLeastOnce);
    await connection.subscribe(deviceTopicFilter(info.deviceType, info.macAddress), mqtt.QoS.AtLeastOnce);
    steps.subscribe = now() - t0;
    const request = buildStatusRequest({
      clientId,
      sessionId: String(Date.now()),
      device: { mac: info.macAddress, additionalValue: info.additionalValue, deviceType: info.deviceType, homeSeq: info.homeSeq },
    });
    await connection.publish(request.topic, JSON.stringify(request.payload), mqtt.QoS.AtLeastOnce, false);
    await reply;
    const ms = now() - t0;
    steps.status = ms;
    await connection.disconnect();
    return { ms, steps };
  };

  for (let i = 0; i < input.warmup + input.runs; i++) {
    const result = await once();
    if (i >= input.warmup) process.stdout.write(`${JSON.stringify(result)}\n`);
    await new Promise((r) => setTimeout(r, 300));
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`floor client failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
