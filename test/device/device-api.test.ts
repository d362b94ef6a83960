import assert from 'node:assert/strict';
import { AccountConnection } from '../../src/shared/connection';
import type { InboundMessage } from '../../src/shared/codec';
import { DeviceLookupError, accountDevices } from '../../src/shared/device/device-api';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../tools/simulator/simulator';
import { MAC, connectionFixture } from '../helpers/account-connection';
import { dayUsage } from '../../tools/simulator/energy';
import { delay, waitFor } from '../helpers/wait';

const OTHER = '0a1b2c3d4e60';

describe('device API over the account connection (simulator)', function () {
  this.timeout(60_000);
  const fx = connectionFixture({
    transport: 'native',
    clientPrefix: 'navien-device-api',
    simulator: {
      speed: 0,
      accounts: [{ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, devices: [{ macAddress: MAC, deviceName: 'Garage heater' }, { macAddress: OTHER }] }],
    },
  });
  let sim: NavilinkSimulator;
  let connection: AccountConnection;

  before(() => {
    sim = fx.sim;
  });
  beforeEach(async () => {
    connection = await fx.connected();
    await waitFor(() => connection.featuresOf(OTHER), 'feature record of the second device');
  });

  const touReads = () => {
    const calls: string[] = [];
    const listener = (e: { method: string; path: string }) => {
      if (e.method === 'GET' && e.path.endsWith('/device/tou')) calls.push(e.path);
    };
    sim.on('rest', listener);
    return { calls, stop: () => sim.off('rest', listener) };
  };

  it('is one instance per connection, so every node of the account shares it', () => {
    assert.equal(accountDevices(connection), accountDevices(connection));
    assert.deepEqual(accountDevices(connection).device(MAC).info(), { mac: MAC, name: 'Garage heater', deviceType: 52, model: 'NWP500' });
  });

  it('reads features, the weekly program and the TOU plan, decoded in the unit asked for', async () => {
    sim.device(MAC).reservations = { reservationUse: 2, reservation: [{ enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 }] };
    const device = accountDevices(connection).device(MAC);
    const features = await device.read({ read: 'features' }, 'C');
    assert.equal((features.payload as { setpointMax: number }).setpointMax, 65.5);
    assert.equal((features.raw as { controllerSerialNumber: string }).controllerSerialNumber, 'TEST0000SN00000001');
    const schedule = await device.read({ read: 'schedule' }, 'F');
    assert.deepEqual(schedule.payload, { enabled: true, entries: [{ enabled: true, days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '06:30', mode: 'high-demand', setpoint: 140 }] });
    const tou = await device.read({ read: 'tou' }, 'F');
    assert.equal((tou.payload as { controllerId: string }).controllerId, 'TEST0000SN00000001');
  });

  it('energy reads of different months at once each get their own month (replies share the client topic)', async () => {
    const device = accountDevices(connection).device(MAC);
    const [feb, mar] = await Promise.all([
      device.read({ read: 'energy', period: 'daily', year: 2024, month: 2 }, 'F'),
      device.read({ read: 'energy', period: 'daily', year: 2024, month: 3 }, 'F'),
    ]);
    const items = (r: { payload: unknown }) => (r.payload as { month: number; items: Array<{ heatPumpWh: number }> });
    assert.deepEqual([items(feb).month, items(feb).items.length], [2, 29]);
    assert.deepEqual([items(mar).month, items(mar).items.length], [3, 31]);
    assert.equal(items(mar).items[0].heatPumpWh, dayUsage(MAC, 2024, 3, 1).hpUsage);
  });

  it('reads the TOU plan for cost estimates once per account, whichever node or device handle asks', async () => {
    const tou = touReads();
    try {
      const a = accountDevices(connection).device(MAC);
      const b = accountDevices(connection).device(MAC);
      const [first, second] = await Promise.all([
        a.read({ read: 'energy', period: 'monthly', year: 2023 }, 'F'),
        b.read({ read: 'energy', period: 'monthly', year: 2022 }, 'F'),
      ]);
      await a.read({ read: 'energy', period: 'daily', year: 2024, month: 1 }, 'F');
      for (const report of [first, second]) assert.ok((report.payload as { cost: unknown }).cost, 'priced from the plan');
      assert.equal(tou.calls.length, 1);
    } finally {
      tou.stop();
    }
  });

  it('watch: only the device\'s own messages, a throwing listener reported without starving the others, nothing after unsubscribing', async () => {
    const before = connection.listenerCount('message');
    const mine: InboundMessage[] = [];
    const all: InboundMessage[] = [];
    const errors: unknown[] = [];
    const devices = accountDevices(connection);
    const stopBroken = devices.device(MAC).watch(() => {
      throw new Error('listener bug');
    }, (err) => errors.push(err));
    const stopMine = devices.device(MAC).watch((m) => mine.push(m));
    const stopAll = devices.watch((m) => all.push(m));
    assert.equal(connection.listenerCount('message'), before + 3);
    sim.device(OTHER).setStatus({ dhwChargePer: 10 }, true);
    sim.device(MAC).setStatus({ dhwChargePer: 20 }, true);
    await waitFor(() => mine.length > 0 && all.some((m) => m.mac === OTHER), 'both pushes');
    assert.ok(mine.every((m) => m.mac === MAC));
    assert.ok(errors.length > 0 && errors.every((e) => (e as Error).message === 'listener bug'));
    for (const stop of [stopBroken, stopMine, stopAll]) stop();
    assert.equal(connection.listenerCount('message'), before);
    const seen = mine.length + all.length;
    sim.device(MAC).setStatus({ dhwChargePer: 30 }, true);
    await delay(500);
    assert.equal(mine.length + all.length, seen);
  });

  it('a device the account does not have: status requests reject (never throw), reads name it', async () => {
    const ghost = accountDevices(connection).device('ffffffffffff');
    assert.equal(ghost.known, false);
    let request: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      request = ghost.requestStatus();
    });
    await assert.rejects(request as Promise<unknown>, /not on this account/);
    await assert.rejects(ghost.read({ read: 'tou' }, 'F'), (err: unknown) => err instanceof DeviceLookupError && err.key === 'no-device');
  });
});
