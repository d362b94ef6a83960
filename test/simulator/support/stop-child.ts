// Child process for the "no leftover handles" test: uses every part of the simulator, stops it and must then exit
// on its own. Prints DONE just before the event loop should drain.
import { NavilinkSimulator } from '../../../tools/simulator/simulator';
import { MAC, SdkClient, call, envelope, presignUrl, rawMqttConnect, signIn } from '../helpers';

async function main(): Promise<void> {
  const sim = await NavilinkSimulator.start({ speed: 3600, tickMs: 10, certDir: process.argv[2], connectionEvents: true });
  const creds = await signIn(sim.caFile, sim.apiUrl);
  await call(sim.caFile, `${sim.apiUrl}/device/list`, 'POST', { offset: 0, count: 20, userId: 'user@example.com' }, { authorization: creds.accessToken });
  const c = new SdkClient(sim.iotEndpoint, sim.caFile, creds, 'child-client');
  await c.connect();
  await c.subscribe(`cmd/52/navilink-${MAC}/#`);
  const e = envelope('child-client', 'ctrl', { command: 33554433, mode: 'power-off', param: [], paramStr: '' });
  await c.publish(e.topic, e.payload);
  await c.waitFor((m) => m.payload?.response?.status?.command === 33554433);
  // A raw WebSocket left open on purpose: stop() must close it.
  const raw = await rawMqttConnect(presignUrl('localhost', Number(sim.iotEndpoint.split(':')[1]), creds), sim.caFile, 'raw-left-open');
  if (!raw.connack) throw new Error('raw connect failed');
  await sim.stopBroker();
  await sim.startBroker();
  sim.revokeCredentials();
  sim.delayRest(20);
  sim.failRest('/device/list');
  await call(sim.caFile, `${sim.apiUrl}/device/list`, 'POST', {}, { authorization: creds.accessToken });
  await c.close();
  await sim.stop();
  console.log('DONE');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
