// Input from the cloud that no NWP500 sends: crafted by the simulator, judged through the real nodes.
import assert from 'node:assert/strict';
import accountNode = require('../../src/nodes/navien-account');
import controlNode = require('../../src/nodes/navien-control');
import diagnosticsNode = require('../../src/nodes/navien-diagnostics');
import statusNode = require('../../src/nodes/navien-status');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../tools/simulator/simulator';
import { MAC, TestNode, accountConfig, accountReady, collect, credentialsFor, helper, loadCatalogs, recording, uniqueId, withCatalog } from './status/flow-helper';

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
});
