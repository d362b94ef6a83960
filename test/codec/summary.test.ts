import * as assert from 'node:assert/strict';
import { StatusSummary, summarizeStatus, usableEnergyWh } from '../../src/shared/codec';
import { captureSequence, statusOf } from './fixtures';

describe('codec/summary', () => {
  it('summarises the captured status reply in °F and °C', () => {
    const raw = statusOf('mqtt/status.response.json');
    const expected: StatusSummary = {
      online: true,
      power: true,
      mode: 'heat-pump',
      setpoint: 140.9,
      temperature: 137.3,
      unit: 'F',
      tankCharge: 92,
      heating: true,
      heatSource: 'heat-pump',
      powerW: 1,
      error: null,
      vacationDaysLeft: null,
    };
    assert.deepEqual(summarizeStatus(raw, 'F'), expected);
    assert.deepEqual(summarizeStatus(raw, 'C', false), { ...expected, online: false, unit: 'C', setpoint: 60.5, temperature: 58.5 });
  });

  it('reports power off from dhwOperationSetting 6 even though the ack still shows the old operationMode', () => {
    const s = summarizeStatus(statusOf('mqtt/status.ack-power-off.json'), 'F');
    assert.equal(s.power, false);
    assert.equal(s.mode, 'off');
    assert.equal(s.heating, false);
    assert.equal(s.heatSource, 'none');
  });

  it('takes the heat source from the running components', () => {
    const both = summarizeStatus(statusOf('mqtt/status.push-67108892.json'), 'F');
    assert.equal(both.mode, 'energy-saver');
    assert.equal(both.heatSource, 'both');
    assert.equal(both.heating, true);
    assert.equal(summarizeStatus(statusOf('mqtt/status.push-67108883.json'), 'F').heatSource, 'heat-pump');
    const idle = summarizeStatus(statusOf('mqtt/status.push-67108868-electric.json'), 'F');
    assert.equal(idle.mode, 'electric');
    assert.equal(idle.heating, false);
    assert.equal(idle.heatSource, 'none');
    assert.equal(idle.temperature, 140.0); // raw 120
  });

  it('reports vacation days only in vacation', () => {
    const s = summarizeStatus(statusOf('mqtt/status.ack-vacation.json'), 'C');
    assert.equal(s.mode, 'vacation');
    assert.equal(s.vacationDaysLeft, 2);
    // The element runs at 5171 W although the ack's operationMode is still 0.
    assert.equal(s.powerW, 5171);
    assert.equal(s.heating, true);
    assert.equal(s.heatSource, 'element');
    assert.equal(summarizeStatus(statusOf('mqtt/status.ack-power-on.json'), 'C').vacationDaysLeft, null);
  });

  it('follows the capture sequence', () => {
    const seq = captureSequence().map((m) => summarizeStatus(m.payload.response.status!, 'F'));
    // dhwOperationSetting of the 45 captured messages, copied from the capture.
    const modes = [
      'heat-pump', 'heat-pump', 'heat-pump', 'heat-pump', 'energy-saver', 'energy-saver', 'energy-saver', 'heat-pump', 'heat-pump',
      'high-demand', 'high-demand', 'high-demand', 'heat-pump', 'heat-pump', 'off', 'off', 'heat-pump', 'heat-pump', 'heat-pump',
      'heat-pump', 'heat-pump', 'heat-pump', 'energy-saver', 'energy-saver', 'energy-saver', 'energy-saver', 'energy-saver',
      'electric', 'electric', 'electric', 'electric', 'high-demand', 'high-demand', 'vacation', 'vacation', 'heat-pump', 'heat-pump',
      'heat-pump', 'heat-pump', 'heat-pump', 'heat-pump', 'heat-pump', 'heat-pump', 'heat-pump', 'heat-pump',
    ];
    assert.deepEqual(seq.map((s) => s.mode), modes);
    assert.deepEqual(seq.map((s) => s.power), modes.map((m) => m !== 'off'));
    assert.equal(seq[7].heatSource, 'both'); // compressor + upper element, 5378 W
    assert.equal(seq[7].powerW, 5378);
    assert.equal(seq[15].heating, false); // powered off
    assert.equal(seq[20].heating, false); // operationMode 0, nothing running
    assert.equal(seq[37].setpoint, 137.3); // after dhw-temperature [117]
    assert.equal(seq[40].setpoint, 140.9); // back to 121
    assert.equal(seq[42].temperature, 140.9); // raw 121
    assert.equal(seq[39].tankCharge, 100);
    for (const s of seq) assert.equal(s.error, null);
  });

  it('computes usable energy as (total - available) x 4 Wh, clamped at 0', () => {
    assert.equal(usableEnergyWh(statusOf('mqtt/status.response.json')), 5900); // 1861, 386
    assert.equal(usableEnergyWh(captureSequence()[38].payload.response.status!), 6880); // 1720, 0
    assert.equal(usableEnergyWh({ totalEnergyCapacity: 10, availableEnergyCapacity: 20 }), 0);
    assert.equal(usableEnergyWh({}), null);
  });

  it('never throws on an empty status', () => {
    assert.deepEqual(summarizeStatus({}, 'C'), {
      online: true,
      power: false,
      mode: null,
      setpoint: null,
      temperature: null,
      unit: 'C',
      tankCharge: null,
      heating: false,
      heatSource: 'none',
      powerW: null,
      error: null,
      vacationDaysLeft: null,
    });
    assert.deepEqual(summarizeStatus({ errorCode: 799, subErrorCode: 0 }, 'C').error, {
      code: 'E799',
      number: 799,
      subCode: 0,
      description: 'Water leak detected',
    });
  });
});
