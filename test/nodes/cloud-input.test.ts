// Input from the cloud that no NWP500 sends: crafted by the simulator, judged through the real nodes.
import assert from 'node:assert/strict';
import accountNode = require('../../src/nodes/navien-account');
import controlNode = require('../../src/nodes/navien-control');
import diagnosticsNode = require('../../src/nodes/navien-diagnostics');
import statusNode = require('../../src/nodes/navien-status');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../tools/simulator/simulator';
import { delay, waitFor } from '../helpers/wait';
import { MAC, TestNode, accountConfig, accountReady, collect, credentialsFor, helper, loadCatalogs, recording, uniqueId, withCatalog } from './flow-helper';

/** Known raw state (physics frozen with speed 0). */
const BASE = { dhwOperationSetting: 1, dhwTemperatureSetting: 120, dhwTemperature: 115, dhwChargePer: 80, currentInstPower: 410, compUse: 2, heatUpperUse: 1, heatLowerUse: 1 };

describe('input from the cloud: implausible values and prototype keys (test helper, real nodes, simulator)', function () {
  this.timeout(60_000);
  let sim: NavilinkSimulator;

  before(async () => {
    helper.init(require.resolve('node-red'));
    await loadCatalogs('navien-status', 'navien-account', 'navien-control', 'navien-diagnostics');
    sim = await NavilinkSimulator.start({
      speed: 0,
      accounts: [{ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, devices: [{ macAddress: MAC, deviceName: 'Garage heater' }] }],
    });
  });
  after(async () => {
    await sim?.stop();
  });
  beforeEach(() => {
    sim.device(MAC).setStatus({ ...BASE, tankUpperTemperature: 575, tankLowerTemperature: 480 });
    sim.setTiming({ replyDelayMs: 20 });
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  /** Account + status (all statuses on output 1, no polling) + control + diagnostics, each output collected. */
  async function load(statusConfig: Record<string, unknown> = {}) {
    const accountId = uniqueId('account');
    const status = recording(withCatalog(statusNode));
    const control = recording(withCatalog(controlNode));
    await helper.load(
      [accountNode, status.module, control.module, withCatalog(diagnosticsNode)],
      [
        accountConfig(sim, accountId),
        { id: 'status', type: 'navien-status', account: accountId, device: MAC, unit: 'F', interval: 0, output: 'all', wires: [['statusOut'], ['events']], ...statusConfig },
        { id: 'control', type: 'navien-control', account: accountId, device: MAC, unit: 'F', allowPowerOff: true, wires: [['controlOut']] },
        { id: 'diagnostics', type: 'navien-diagnostics', account: accountId, interval: 0, wires: [['diagnosticsOut']] },
        { id: 'statusOut', type: 'helper' },
        { id: 'events', type: 'helper' },
        { id: 'controlOut', type: 'helper' },
        { id: 'diagnosticsOut', type: 'helper' },
      ],
      credentialsFor(accountId),
    );
    const account = helper.getNode(accountId) as TestNode;
    await accountReady(account);
    const diagnostics = helper.getNode('diagnostics') as TestNode;
    const diagnosticsOut = collect(helper.getNode('diagnosticsOut') as TestNode);
    return {
      status: helper.getNode('status') as TestNode,
      statusOut: collect(helper.getNode('statusOut') as TestNode),
      statusStatuses: status.statuses('status'),
      events: collect(helper.getNode('events') as TestNode),
      control: helper.getNode('control') as TestNode,
      controlOut: collect(helper.getNode('controlOut') as TestNode),
      controlErrors: control.errors('control'),
      /** What navien-diagnostics reports now. */
      async report(): Promise<Record<string, any>> {
        diagnostics.receive({ payload: 'report' });
        return (await diagnosticsOut.next((m) => m.topic === 'navien/diagnostics/report', 'a diagnostics report')).payload;
      },
    };
  }

  /** A status push exactly as the device sends it, as JSON text, so keys JSON cannot carry in an object can be added. */
  function statusPushText(status: Record<string, unknown>): string {
    const device = sim.device(MAC);
    return JSON.stringify({
      protocolVersion: 2,
      clientID: `navilink-${MAC}`,
      sessionID: '900',
      requestTopic: `${device.topicPrefix}/st`,
      response: { deviceType: 52, macAddress: MAC, additionalValue: device.additionalValue, status },
    });
  }

  it('a status with own __proto__, constructor and prototype keys: msg.status and msg.raw inherit nothing from the cloud', async () => {
    const { statusOut } = await load();
    const text = statusPushText({ ...sim.device(MAC).snapshot(), dhwChargePer: 55 }).replace(
      '"status":{',
      '"status":{"__proto__":{"injected":true,"dhwChargePer":5},"constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":true},',
    );
    await sim.publish(sim.device(MAC).pushTopic, text);
    const msg = await statusOut.next((m) => m.topic === `navien/${MAC}/status`, 'the crafted status');
    for (const [name, value] of [['msg.status', msg.status], ['msg.raw', msg.raw], ['msg.payload', msg.payload]] as const) {
      assert.equal(Object.getPrototypeOf(value), Object.prototype, `${name} keeps its prototype`);
      assert.equal(value.injected, undefined, `${name} inherits nothing`);
      for (const key of ['__proto__', 'constructor', 'prototype']) assert.ok(!Object.prototype.hasOwnProperty.call(value, key), `${name} has no own ${key}`);
    }
    assert.equal(msg.status.dhwChargePer, 55);
    assert.equal(msg.payload.tankCharge, 55);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('tank charge above 100 and negative power reach flows as null, the node shows "?", no alert fires, and diagnostics count them', async () => {
    const { statusOut, statusStatuses, events, report } = await load();
    // -90 °C at the lower tank probe: no freeze-protection alert from a reading no tank can have.
    sim.device(MAC).setStatus({ dhwChargePer: 250, currentInstPower: -40, tankUpperTemperature: 9999, tankLowerTemperature: -900, freezeProtectionUse: 2 }, true);
    const msg = await statusOut.next((m) => m.topic === `navien/${MAC}/status` && m.raw.dhwChargePer === 250, 'the implausible status');
    assert.equal(msg.payload.tankCharge, null);
    assert.equal(msg.payload.powerW, null);
    assert.equal(msg.status.dhwChargePer, null);
    assert.equal(msg.status.currentInstPower, null);
    assert.equal(msg.status.tankUpperTemperature, null);
    assert.equal(msg.raw.dhwChargePer, 250, 'msg.raw stays what the cloud sent');
    assert.equal(msg.payload.temperature, 135.5, 'plausible values are untouched');
    assert.equal(msg.derived.activeHeatSource, 'heat-pump', 'without a plausible power the flags decide');
    assert.deepEqual(events.map((e: any) => e.payload.event), [], 'no alert');
    await waitFor(() => statusStatuses.some((s) => s.text.includes('· ?% ·')), 'the node status without a tank charge');
    const payload = await report();
    assert.ok(payload.implausibleValues['status.dhwChargePer'] >= 1, JSON.stringify(payload.implausibleValues));
    assert.ok(payload.implausibleValues['status.currentInstPower'] >= 1);
    assert.ok(payload.implausibleValues['status.tankUpperTemperature'] >= 1);
    assert.ok(payload.implausibleValues['status.tankLowerTemperature'] >= 1);
    assert.equal(payload.implausibleValues['status.dhwTemperature'], undefined, 'plausible fields are not counted');
  });

  it('feature setpoint limits wider than the unit\'s range do not widen what navien-control accepts', async () => {
    const feature = sim.device(MAC).feature;
    const saved = { min: feature.dhwTemperatureMin, max: feature.dhwTemperatureMax };
    feature.dhwTemperatureMin = 20; // 10 °C
    feature.dhwTemperatureMax = 200; // 100 °C
    try {
      const { status, statusOut, control, controlOut, controlErrors, report } = await load();
      sim.clearReceived();
      control.receive({ payload: { setpoint: 170 } });
      await waitFor(() => controlErrors.length === 1, 'the out-of-range error');
      assert.equal(controlErrors[0][0], 'setpoint = 170 °F is out of range; allowed 104.9 to 149.9');
      await delay(300);
      assert.deepEqual(sim.received.filter((r) => r.topic.endsWith('/ctrl')), [], 'nothing reached the device');
      assert.equal(controlOut.length, 0);

      // The unit's own range still works.
      control.receive({ payload: { setpoint: 140 } });
      const result = await controlOut.next((m) => m.payload?.command === 'setpoint', 'the setpoint result');
      assert.equal(result.payload.result, 'confirmed');

      status.receive({ payload: { read: 'features' } });
      const features = await statusOut.next((m) => m.topic === `navien/${MAC}/features`, 'the features');
      assert.deepEqual([features.payload.setpointMin, features.payload.setpointMax], [null, null]);
      assert.equal(features.raw.dhwTemperatureMax, 200);
      const payload = await report();
      assert.ok(payload.implausibleValues['feature.dhwTemperatureMax'] >= 1, JSON.stringify(payload.implausibleValues));
      assert.ok(payload.implausibleValues['feature.dhwTemperatureMin'] >= 1);
    } finally {
      feature.dhwTemperatureMin = saved.min;
      feature.dhwTemperatureMax = saved.max;
    }
  });

  it('an energy reply with negative energy and a TOU plan with impossible prices: share within 0-100, costs finite', async () => {
    const period = { week: 254, startHour: 0, startMinute: 0, endHour: 23, endMinute: 59, priceMin: 20, priceMax: 30, decimalPoint: 2 };
    sim.setTouPlan(MAC, JSON.parse(JSON.stringify({
      registerPath: 'bt',
      sourceType: 'openei',
      touInfo: {
        controllerId: sim.device(MAC).serialNumber,
        name: 'crafted',
        utility: 'crafted',
        zipCode: 99999,
        // A window priced at raw / 10^-400 = Infinity, one at a negative price, one fine: only the fine one may count.
        schedule: [{ season: 4095, interval: [{ ...period, decimalPoint: -400 }, { ...period, priceMin: -5000 }, period] }],
      },
    }).replace('"touInfo":{', '"touInfo":{"__proto__":{"name":"injected"},')));
    const { status, statusOut, report } = await load();
    status.receive({ payload: { read: 'tou' } });
    const tou = await statusOut.next((m) => m.topic === `navien/${MAC}/tou`, 'the TOU plan');
    assert.deepEqual(tou.payload.periods.map((p: any) => [p.priceMin, p.priceMax]), [[null, null], [null, 0.3], [0.2, 0.3]]);
    assert.ok(!Object.prototype.hasOwnProperty.call(tou.raw.touInfo, '__proto__'), 'the REST body lost its __proto__ key');
    assert.equal(tou.payload.name, 'crafted');

    // The device's reply is held back; a crafted one answers the query first.
    sim.setTiming({ replyDelayMs: 5_000 });
    status.receive({ payload: { read: 'energy', period: 'daily', year: 2025, month: 1 } });
    const query = await sim.waitForRequest((r) => r.topic.endsWith('/st/energy-usage-daily-query/rd'), 10_000);
    const envelope = query.payload as { responseTopic: string; requestTopic: string; clientID: string; sessionID: string };
    await sim.publish(envelope.responseTopic, {
      protocolVersion: 2,
      clientID: envelope.clientID,
      sessionID: envelope.sessionID,
      requestTopic: envelope.requestTopic,
      response: {
        deviceType: 52,
        macAddress: MAC,
        additionalValue: sim.device(MAC).additionalValue,
        typeOfUsage: 0,
        total: { hpUsage: 1266585, heUsage: 146337, hpTime: 3124, heTime: 35 },
        usage: [{ year: 2025, month: 1, data: [{ hpUsage: 4000, heUsage: -2000, hpTime: 9, heTime: 0 }, { hpUsage: 3000, heUsage: 1000, hpTime: 7, heTime: 1 }] }],
      },
    });
    const energy = await statusOut.next((m) => m.topic === `navien/${MAC}/energy`, 'the energy report');
    const [bad, good] = energy.payload.items;
    assert.deepEqual([bad.elementWh, bad.totalWh, bad.heatPumpShare, bad.cost], [null, null, null, null]);
    assert.equal(good.heatPumpShare, 75);
    assert.deepEqual(good.cost, { estimate: 1, low: 0.8, high: 1.2 }, '4 kWh at the one plausible window (0.20-0.30)');
    assert.equal(energy.payload.totals.heatPumpShare, 87.5);
    for (const key of ['estimate', 'low', 'high']) assert.ok(Number.isFinite(energy.payload.cost[key]), `cost.${key} = ${energy.payload.cost[key]}`);

    const payload = await report();
    assert.ok(payload.implausibleValues['energy.heUsage'] >= 1, JSON.stringify(payload.implausibleValues));
    assert.ok(payload.implausibleValues['tou.decimalPoint'] >= 1);
    assert.ok(payload.implausibleValues['tou.priceMin'] >= 1);
  });
});
