import * as assert from 'node:assert/strict';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import { MAC, SdkClient, control, envelope, signIn, type Received } from './helpers';

const PUMP_MAC = '0a1b2c3d4e60';
const CLIENT = 'navien-client-devtest1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('simulated NWP500 over MQTT', function () {
  this.timeout(20000);
  let sim: NavilinkSimulator;
  let c: SdkClient;

  before(async () => {
    sim = await NavilinkSimulator.start({
      speed: 0,
      pushDelayMs: 30,
      accounts: [{ email: 'user@example.com', password: 'example-password', devices: [{}, { macAddress: PUMP_MAC, recirculation: true, serialNumber: 'TEST0000SN00000002' }] }],
    });
    c = new SdkClient(sim.iotEndpoint, sim.caFile, await signIn(sim.caFile, sim.apiUrl), CLIENT);
    await c.connect();
    await c.subscribe(`cmd/52/navilink-${MAC}/#`);
    await c.subscribe(`cmd/52/navilink-${PUMP_MAC}/#`);
    await c.subscribe(`cmd/52/${CLIENT}/res/#`);
    await c.subscribe(`cmd/52/20001/0/${CLIENT}/res/#`);
  });
  after(async () => {
    await c.close();
    await sim.stop();
  });

  /** Publishes and waits for the first reply after it that matches. */
  async function ask(msg: { topic: string; payload: Record<string, unknown> }, pred: (m: Received) => boolean, timeoutMs = 3000): Promise<Received> {
    const from = c.messages.length;
    const sessionID = `s${Math.random()}`;
    msg.payload.sessionID = sessionID;
    await c.publish(msg.topic, msg.payload);
    return c.waitFor((m) => c.messages.indexOf(m) >= from && m.payload?.response !== undefined && m.payload.sessionID === sessionID && pred(m), timeoutMs);
  }

  const ackOf = (code: number) => (m: Received) => m.payload.response.status?.command === code;
  async function ctrl(command: number, mode: string, param: number[], mac = MAC): Promise<Record<string, number>> {
    return (await ask(control(CLIENT, command, mode, param, mac), ackOf(command))).payload.response.status;
  }
  async function noReply(msg: { topic: string; payload: Record<string, unknown> }, ms = 400): Promise<void> {
    await assert.rejects(ask(msg, () => true, ms));
  }

  it('answers st/did with the feature block', async () => {
    const m = await ask(envelope(CLIENT, 'st/did', { command: 16777217 }), (x) => x.payload.response.feature);
    assert.equal(m.topic, `cmd/52/navilink-${MAC}/${CLIENT}/res`);
    const f = m.payload.response.feature;
    assert.equal(f.controllerSerialNumber, 'TEST0000SN00000001');
    assert.deepEqual([f.dhwTemperatureMin, f.dhwTemperatureMax, f.modelTypeCode, f.recirculationUse], [81, 131, 513, 1]);
  });

  it('power-off acks with setting 6, pushes follow, power-on restores the previous mode', async () => {
    assert.equal((await ctrl(33554437, 'dhw-mode', [4])).dhwOperationSetting, 4);
    const off = await ctrl(33554433, 'power-off', []);
    assert.equal(off.dhwOperationSetting, 6);
    const push = await c.waitFor((m) => m.payload.response?.status?.command === 67108892 && m.payload.response.status.dhwOperationSetting === 6);
    assert.equal(push.payload.response.status.operationMode, 0);
    assert.equal(push.payload.response.macAddress, MAC);
    assert.equal((await ctrl(33554434, 'power-on', [])).dhwOperationSetting, 4);
  });

  it('enters vacation only with [5, days]', async () => {
    const refused = await ctrl(33554437, 'dhw-mode', [5]);
    assert.equal(refused.dhwOperationSetting, 4);
    const vac = await ctrl(33554437, 'dhw-mode', [5, 7]);
    assert.equal(vac.dhwOperationSetting, 5);
    assert.equal(vac.vacationDaySetting, 7);
    assert.equal((await ctrl(33554466, 'goout-day', [3])).vacationDaySetting, 3);
    assert.equal(sim.device().status.dhwOperationSetting, 5);
    assert.equal((await ctrl(33554437, 'dhw-mode', [3])).dhwOperationSetting, 3);
  });

  it('goout-day during a vacation restarts the count-down with the new days; outside vacation it changes the setting only', async () => {
    const vac = await ctrl(33554437, 'dhw-mode', [5, 7]);
    assert.deepEqual([vac.dhwOperationSetting, vac.vacationDaySetting, vac.vacationDayElapsed], [5, 7, 7]);
    const changed = await ctrl(33554466, 'goout-day', [12]);
    assert.deepEqual([changed.dhwOperationSetting, changed.vacationDaySetting, changed.vacationDayElapsed], [5, 12, 12]);
    sim.device().tick(11 * 86_400_000);
    assert.equal(sim.device().status.dhwOperationSetting, 5, 'still on vacation after 11 of the 12 days');
    sim.device().tick(86_400_000);
    assert.equal(sim.device().status.dhwOperationSetting, 3, 'back to the mode from before after 12 days');
    const outside = await ctrl(33554466, 'goout-day', [4]);
    assert.deepEqual([outside.dhwOperationSetting, outside.vacationDaySetting], [3, 4]);
  });

  it('cond-fault-reset is acked and clears a condensate-overflow fault', async () => {
    sim.device().setStatus({ errorCode: 990, subErrorCode: 0, conOvrSensorUse: 2 });
    const reset = await ctrl(33554463, 'cond-fault-reset', []);
    assert.equal(reset.command, 33554463);
    assert.deepEqual([sim.device().status.errorCode, sim.device().status.conOvrSensorUse], [0, 1]);
  });

  it('refuses setpoints outside 81..131 half-degC and applies valid ones', async () => {
    assert.equal((await ctrl(33554464, 'dhw-temperature', [98])).dhwTemperatureSetting, 98);
    assert.equal((await ctrl(33554464, 'dhw-temperature', [140])).dhwTemperatureSetting, 98);
    assert.equal((await ctrl(33554464, 'dhw-temperature', [80])).dhwTemperatureSetting, 98);
    const r = sim.received.filter((x) => x.mode === 'dhw-temperature').pop();
    assert.equal(r?.outcome, 'refused');
  });

  it('applies anti-legionella, TOU, air filter and DR controls', async () => {
    let s = await ctrl(33554472, 'anti-leg-on', [14]);
    assert.deepEqual([s.antiLegionellaUse, s.antiLegionellaPeriod], [2, 14]);
    s = await ctrl(33554471, 'anti-leg-off', []);
    assert.deepEqual([s.antiLegionellaUse, s.antiLegionellaPeriod], [1, 14]);
    assert.equal((await ctrl(33554475, 'tou-off', [])).touStatus, 0);
    assert.notEqual((await ctrl(33554476, 'tou-on', [])).touStatus, 0);
    s = await ctrl(33554474, 'air-filter-life', [6]);
    assert.equal(s.airFilterAlarmPeriod, 3000);
    sim.device().status.airFilterAlarmElapsed = 77;
    assert.equal((await ctrl(33554473, 'air-filter-reset', [])).airFilterAlarmElapsed, 0);
    await ctrl(33554469, 'dr-off', []);
    assert.equal(sim.device().drEnabled, false);
  });

  it('recirculation controls work only on a device with a pump', async () => {
    assert.equal((await ctrl(33554445, 'recirc-mode', [3])).recircOperationMode, 0);
    assert.equal((await ctrl(33554445, 'recirc-mode', [3], PUMP_MAC)).recircOperationMode, 3);
    assert.equal((await ctrl(33554444, 'recirc-hotbtn', [1], PUMP_MAC)).recircOperationBusy, 2);
  });

  it('writes and reads the weekly program (JSON on rsv/rd, hex twin on rsv)', async () => {
    const reservation = [
      { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
      { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 110 },
    ];
    const w = await ask(
      envelope(CLIENT, 'ctrl/rsv/rd', { command: 16777226, reservationUse: 2, reservation }, `cmd/52/${CLIENT}/res/rsv/rd`),
      (m) => m.topic.endsWith('/res/rsv/rd'),
    );
    assert.deepEqual(w.payload.response.reservation, reservation);
    assert.equal(sim.device().status.programReservationUse, 2);
    const read = envelope(CLIENT, 'st/rsv/rd', { command: 16777222 }, `cmd/52/${CLIENT}/res/rsv/rd`);
    const json = await ask(read, (m) => m.topic === `cmd/52/${CLIENT}/res/rsv/rd`);
    assert.deepEqual(json.payload.response.reservation, reservation);
    const hex = await c.waitFor((m) => m.topic === `cmd/52/${CLIENT}/res/rsv` && m.payload.sessionID === json.payload.sessionID);
    assert.equal(hex.payload.response.reservation, '027c061e047802820800036e');
    assert.equal(hex.payload.response.reservationUse, 2);
    // An invalid entry changes nothing and gets no echo.
    await noReply(envelope(CLIENT, 'ctrl/rsv/rd', { command: 16777226, reservationUse: 2, reservation: [{ enable: 2, week: 124, hour: 25, min: 0, mode: 1, param: 100 }] }, `cmd/52/${CLIENT}/res/rsv/rd`));
    assert.equal(sim.device().reservations.reservation.length, 2);
  });

  it('runs a due program entry on a powered-off heater and switches it back on (as a real NWP500 does)', async () => {
    const device = sim.device();
    const saved = device.reservations;
    try {
      device.reservations = { reservationUse: 2, reservation: [{ enable: 2, week: 124, hour: 6, min: 30, mode: 1, param: 116 }] };
      assert.equal((await ctrl(33554433, 'power-off', [])).dhwOperationSetting, 6);
      // Wednesday 06:30 (weekday 3): the entry is due.
      assert.ok(device.runProgram(3, 6, 30), 'the due entry ran');
      assert.deepEqual([device.status.dhwOperationSetting, device.status.dhwTemperatureSetting], [1, 116]);
    } finally {
      device.reservations = saved;
    }
  });

  it('reads and writes the recirculation schedule', async () => {
    const read = await ask(envelope(CLIENT, 'st/recirc-rsv/rd', { command: 16777231 }, `cmd/52/${CLIENT}/res/recirc-rsv/rd`), (m) => m.topic.endsWith('recirc-rsv/rd'));
    assert.deepEqual([read.payload.response.reservationUse, read.payload.response.reservation], [1, []]);
    const reservation = [{ enable: 2, week: 124, hour: 6, min: 0, mode: 2, param: -1 }];
    const w = await ask(
      envelope(CLIENT, 'ctrl/recirc-rsv/rd', { command: 33554440, reservationUse: 2, reservation }, `cmd/52/${CLIENT}/res/recirc-rsv/rd`, PUMP_MAC),
      (m) => m.topic.endsWith('recirc-rsv/rd'),
    );
    assert.deepEqual(w.payload.response.reservation, reservation);
    const hex = await ask(envelope(CLIENT, 'st/recirc-rsv/rd', { command: 16777231 }, `cmd/52/${CLIENT}/res/recirc-rsv/rd`, PUMP_MAC), (m) => m.topic.endsWith('/res/recirc-rsv'));
    assert.equal(hex.payload.response.reservation, '027c060002ff');
  });

  it('answers daily and monthly energy queries with consistent, deterministic data', async () => {
    const daily = await ask(
      envelope(CLIENT, 'st/energy-usage-daily-query/rd', { command: 16777225, year: 2025, month: [9, 2] }, `cmd/52/${CLIENT}/res/energy-usage-daily-query/rd`),
      (m) => m.payload.response.usage,
    );
    const r = daily.payload.response;
    assert.equal(r.typeOfUsage, 0);
    assert.deepEqual(Object.keys(r.total).sort(), ['heTime', 'heUsage', 'hpTime', 'hpUsage']);
    assert.deepEqual(r.usage.map((u: { month: number; data: unknown[] }) => [u.month, u.data.length]), [[9, 30], [2, 28]]);
    const monthly = await ask(
      envelope(CLIENT, 'st/energy-usage-monthly-query/rd', { command: 16777226, year: [2025] }, `cmd/52/${CLIENT}/res/energy-usage-monthly-query/rd`),
      (m) => m.payload.response.usage,
    );
    const year = monthly.payload.response.usage[0];
    assert.equal(monthly.payload.response.typeOfUsage, 1);
    assert.equal(year.month, undefined);
    assert.equal(year.data.length, 12);
    const septDays = r.usage[0].data.reduce((a: number, d: { hpUsage: number }) => a + d.hpUsage, 0);
    assert.equal(year.data[8].hpUsage, septDays);
    assert.ok(septDays > 0);
    assert.deepEqual(monthly.payload.response.total, r.total);
  });

  it('echoes a TOU schedule write on tou/rd and ignores one without a schedule', async () => {
    const reservation = [{ season: 4095, week: 124, startHour: 16, startMinute: 0, endHour: 20, endMinute: 59, priceMin: 39261, priceMax: 49378, decimalPoint: 5 }];
    const body = { command: 33554439, controllerSerialNumber: 'TEST0000SN00000001', reservationUse: 2, reservation };
    const echo = await ask(envelope(CLIENT, 'ctrl/tou/rd', body, `cmd/52/${CLIENT}/res/tou/rd`), (m) => m.topic.endsWith('/res/tou/rd'));
    assert.deepEqual(echo.payload.response.reservation, reservation);
    await noReply(envelope(CLIENT, 'ctrl/tou/rd', { command: 33554439, controllerSerialNumber: 'TEST0000SN00000001' }, `cmd/52/${CLIENT}/res/tou/rd`));
  });

  it('answers dl-sw-info on the device topic and td/rd only for a five-segment reply topic', async () => {
    const dl = await ask(envelope(CLIENT, 'st/dl-sw-info', { command: 16777227 }, `cmd/52/${CLIENT}/res/dl-sw-info`), (m) => m.payload.response.downloadSwInfo);
    assert.equal(dl.topic, `cmd/52/navilink-${MAC}/res/dl-sw-info`);
    const td = await ask(envelope(CLIENT, 'st/td/rd', { command: 16777228 }, `cmd/52/20001/0/${CLIENT}/res/td/rd`), (m) => m.payload.response.data);
    assert.equal(td.payload.response.typeOfTD, 2);
    // Lifetime Wh, the same counters the energy queries report as totals.
    const totals = sim.device().energyTotals();
    assert.ok(totals.hpUsage > 0 && totals.heUsage > 0, 'non-zero totals, so the comparison means something');
    assert.deepEqual([td.payload.response.data.tsData.cumulatedPwrHp, td.payload.response.data.tsData.cumulatedPwrHe], [totals.hpUsage, totals.heUsage]);
    await noReply(envelope(CLIENT, 'st/td/rd', { command: 16777228 }, `cmd/52/${CLIENT}/res/td/rd`));
  });

  it('dl-sw-info carries a pending firmware update until it is cleared', async () => {
    const dlSwInfo = () => ask(envelope(CLIENT, 'st/dl-sw-info', { command: 16777227 }, `cmd/52/${CLIENT}/res/dl-sw-info`), (m) => m.payload.response.downloadSwInfo);
    sim.setFirmwareUpdate(MAC, { swCode: 1, swVersion: 184614999 });
    try {
      assert.deepEqual((await dlSwInfo()).payload.response.downloadSwInfo, [{ swCode: 1, otaMode: 0, swVersion: 184614999, status: 1 }]);
    } finally {
      sim.setFirmwareUpdate(MAC, undefined);
    }
    assert.deepEqual((await dlSwInfo()).payload.response.downloadSwInfo, [{ swCode: 0, otaMode: 0, swVersion: 0, status: 0 }]);
  });

  it('ignores malformed requests and records why', async () => {
    const bad = envelope(CLIENT, 'st', { command: 16777219, additionalValue: 1234 });
    await noReply(bad);
    assert.match(sim.received[sim.received.length - 1].reason ?? '', /additionalValue/);
    await noReply(envelope(CLIENT, 'st', { command: 16777217 }));
    await noReply(envelope(CLIENT, 'ctrl', { command: 33554464, mode: 'dhw-temperature', param: ['120'] }));
  });

  it('failNextControl publishes ctrl-fail and changes nothing; throttling refuses quick controls', async () => {
    const before = sim.device().status.dhwTemperatureSetting;
    sim.failNextControl(MAC);
    const msg = control(CLIENT, 33554464, 'dhw-temperature', [100]);
    const fail = await ask(msg, (m) => m.payload.response.failCode !== undefined);
    assert.equal(fail.topic, `cmd/52/navilink-${MAC}/ctrl-fail`);
    assert.equal(fail.payload.response.failCode, 2);
    assert.equal(sim.device().status.dhwTemperatureSetting, before);

    sim.throttleControls({ minIntervalMs: 10_000 });
    try {
      await ctrl(33554464, 'dhw-temperature', [100]);
      const second = await ask(control(CLIENT, 33554464, 'dhw-temperature', [101]), (m) => m.payload.response.failCode !== undefined);
      assert.equal(second.payload.response.failCode, 2);
      assert.equal(sim.device().status.dhwTemperatureSetting, 100);
    } finally {
      sim.throttleControls({ minIntervalMs: 0 });
    }
  });

  it('an offline device never answers', async () => {
    sim.setDeviceOffline(MAC, true);
    try {
      await noReply(envelope(CLIENT, 'st', { command: 16777219 }), 500);
      assert.equal(sim.received[sim.received.length - 1].outcome, 'offline');
    } finally {
      sim.setDeviceOffline(MAC, false);
    }
    await ask(envelope(CLIENT, 'st', { command: 16777219 }), (m) => m.payload.response.status);
  });

  it('publishMalformed sends garbage on the device topic and the device keeps working', async () => {
    const from = c.messages.length;
    const sent = await sim.publishMalformed(MAC);
    const deadline = Date.now() + 3000;
    while (c.messages.length - from < sent.length && Date.now() < deadline) await sleep(20);
    assert.ok(c.messages.length - from >= sent.length);
    await ask(envelope(CLIENT, 'st', { command: 16777219 }), (m) => m.payload.response.status);
  });
});

describe('simulated NWP500 tank physics', () => {
  let sim: NavilinkSimulator;
  beforeEach(async () => {
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  afterEach(() => sim.stop());

  it('heats with the heat pump in Heat Pump mode and stops at the setpoint', () => {
    const d = sim.device();
    d.setStatus({ dhwOperationSetting: 1, tankUpperTemperature: 450, tankLowerTemperature: 420, dhwTemperatureSetting: 120 });
    d.tick(1000);
    assert.equal(d.status.operationMode, 32);
    assert.equal(d.status.compUse, 2);
    assert.ok(d.status.currentInstPower >= 420 && d.status.currentInstPower <= 450);
    const needed = d.status.availableEnergyCapacity;
    for (let i = 0; i < 60 && Number(d.status.operationMode) !== 0; i++) d.tick(600_000);
    assert.equal(d.status.operationMode, 0);
    assert.ok(d.status.tankUpperTemperature >= 595, `upper ${d.status.tankUpperTemperature}`);
    assert.ok(d.status.availableEnergyCapacity < needed);
    assert.ok(d.status.dhwChargePer >= 90);
    assert.ok(d.energyTotals().hpUsage > 1266585);
  });

  it('uses an element in Electric mode (~4.8 kW)', () => {
    const d = sim.device();
    d.setStatus({ dhwOperationSetting: 2, tankUpperTemperature: 500, tankLowerTemperature: 480 });
    d.tick(1000);
    assert.equal(d.status.operationMode, 64);
    assert.equal(d.status.currentHeatUse, 2);
    assert.equal(d.status.heatUpperUse, 2);
    assert.ok(d.status.currentInstPower > 4700);
  });

  it('cools down while powered off; the deficit grows', () => {
    const d = sim.device();
    d.setStatus({ dhwOperationSetting: 6 });
    d.tick(1000);
    const upper = d.status.tankUpperTemperature;
    const deficit = d.status.availableEnergyCapacity;
    for (let i = 0; i < 10; i++) d.tick(3_600_000);
    assert.equal(d.status.operationMode, 0);
    assert.ok(d.status.currentInstPower <= 20);
    assert.ok(d.status.tankUpperTemperature < upper);
    assert.ok(d.status.availableEnergyCapacity > deficit);
  });

  it('a draw lowers the tank and starts heating', () => {
    const d = sim.device();
    d.setStatus({ dhwOperationSetting: 3, tankUpperTemperature: 605, tankLowerTemperature: 600 });
    d.tick(1000);
    d.drawLpm = 10;
    for (let i = 0; i < 10; i++) d.tick(60_000);
    assert.equal(d.status.dhwUse, 2);
    assert.ok(d.status.tankLowerTemperature < 550);
    assert.notEqual(d.status.operationMode, 0);
  });

  it('runs its weekly program: an active entry for the weekday and minute switches mode and setpoint', () => {
    const d = sim.device();
    d.setStatus({ dhwOperationSetting: 1, dhwTemperatureSetting: 121 });
    // Mon-Fri 06:00 High Demand 60 °C; Saturday 08:00 Energy Saver 55 °C but inactive.
    d.reservations = {
      reservationUse: 2,
      reservation: [
        { enable: 2, week: 124, hour: 6, min: 0, mode: 4, param: 120 },
        { enable: 1, week: 2, hour: 8, min: 0, mode: 3, param: 110 },
      ],
    };
    assert.equal(d.runProgram(1, 5, 59), undefined, 'no entry at 05:59');
    assert.equal(d.runProgram(0, 6, 0), undefined, 'not on Sunday');
    assert.equal(d.runProgram(6, 8, 0), undefined, 'an inactive entry does not run');
    assert.deepEqual([d.status.dhwOperationSetting, d.status.dhwTemperatureSetting], [1, 121]);
    assert.equal(d.runProgram(3, 6, 0)?.mode, 4);
    assert.deepEqual([d.status.dhwOperationSetting, d.status.dhwTemperatureSetting, d.status.totalEnergyCapacity], [4, 120, 1814]);
    // Nothing runs while the program is off, the unit is off or on vacation.
    d.setStatus({ dhwOperationSetting: 1, dhwTemperatureSetting: 121 });
    d.reservations.reservationUse = 1;
    assert.equal(d.runProgram(3, 6, 0), undefined);
    d.reservations.reservationUse = 2;
    d.setStatus({ dhwOperationSetting: 5 });
    assert.equal(d.runProgram(3, 6, 0), undefined);
    assert.equal(d.status.dhwOperationSetting, 5);
  });

  it('totalEnergyCapacity follows the setpoint', () => {
    const d = sim.device();
    d.tick(1);
    assert.equal(d.status.totalEnergyCapacity, 1861); // setpoint 121, as in the capture
    d.setStatus({ dhwTemperatureSetting: 101 });
    d.tick(1);
    assert.ok(d.status.totalEnergyCapacity < 1861);
  });

  it('runs on a timer when speed > 0 and pushes visible changes', async () => {
    await sim.stop();
    sim = await NavilinkSimulator.start({ speed: 3600, tickMs: 20, minPushIntervalMs: 0 });
    const d = sim.device();
    d.setStatus({ dhwOperationSetting: 6 });
    const before = d.status.tankUpperTemperature;
    const c = new SdkClient(sim.iotEndpoint, sim.caFile, await signIn(sim.caFile, sim.apiUrl), 'physics-watch');
    try {
      await c.connect();
      await c.subscribe(`cmd/52/navilink-${MAC}/st/push`);
      const push = await c.waitFor((m) => m.payload.response?.status?.command === 67108868, 5000);
      assert.ok(d.status.tankUpperTemperature < before);
      assert.equal(push.payload.response.status.dhwOperationSetting, 6);
    } finally {
      await c.close();
    }
  });
});
