import * as assert from 'node:assert/strict';
import { STATUS_FIELDS, decodeStatus } from '../../src/shared/codec';
import { captureSequence, listFixtures, statusOf } from './fixtures';

describe('codec/status', () => {
  const raw = statusOf('mqtt/status.response.json');

  it('decodes temperatures of a captured status reply in °F', () => {
    const s = decodeStatus(raw, 'F');
    assert.equal(s.dhwTemperature, 137.3); // raw 117
    assert.equal(s.dhwTemperatureSetting, 140.9); // raw 121
    assert.equal(s.dhwTargetTemperatureSetting, 140.9);
    assert.equal(s.tankUpperTemperature, 137.5); // raw 586
    assert.equal(s.tankLowerTemperature, 128.5); // raw 536 = 53.6 °C
    assert.equal(s.ambientTemperature, 78.8); // raw 260
    assert.equal(s.freezeProtectionTemperature, 42.8); // raw 12
    assert.equal(s.heLowerOnTempSetting, 95); // raw 70
    assert.equal(s.outsideTemperature, 32); // raw 0, whole-°F display
    assert.equal(s.targetSuperHeat, 9); // difference: 5.0 °C
    assert.equal(s.currentSuperHeat, -0.2); // raw -1
    assert.equal(s.hpLowerOnDiffTempSetting, 0.7); // raw 4
    assert.equal(s.hpLowerOffDiffTempSetting, 0.4); // raw 2
    assert.equal(s.heLowerOnTDiffempSetting, 0); // misspelled wire key kept
  });

  it('decodes the same reply in °C', () => {
    const s = decodeStatus(raw, 'C');
    assert.equal(s.dhwTemperature, 58.5);
    assert.equal(s.dhwTemperatureSetting, 60.5);
    assert.equal(s.tankUpperTemperature, 58.6);
    assert.equal(s.tankLowerTemperature, 53.6);
    assert.equal(s.dischargeTemperature, 56.1);
    assert.equal(s.currentSuperHeat, -0.1);
    assert.equal(s.targetSuperHeat, 5);
    assert.equal(s.freezeProtectionTemperature, 6);
  });

  it('decodes flags, tri-states, enums, energy, RSSI and errors', () => {
    const s = decodeStatus(raw, 'F');
    assert.equal(s.dhwOperationSetting, 'heat-pump');
    assert.equal(s.operationMode, 'heat-pump'); // 32
    assert.equal(s.currentHeatUse, 'heat-pump');
    assert.equal(s.temperatureType, 'F');
    assert.equal(s.tempFormulaType, 'standard');
    assert.equal(s.drEventStatus, 'none');
    assert.equal(s.operationBusy, true);
    assert.equal(s.compUse, false);
    assert.equal(s.eevUse, true);
    assert.equal(s.evaFanUse, false);
    assert.equal(s.didReload, false);
    assert.equal(s.ecoUse, true);
    assert.equal(s.antiLegionellaUse, false);
    assert.equal(s.touStatus, true); // 3 = on
    assert.equal(s.touOverrideStatus, false); // 2 = following the schedule
    assert.equal(s.totalEnergyCapacity, 7444);
    assert.equal(s.availableEnergyCapacity, 1544);
    assert.equal(s.wifiRssi, -59);
    assert.equal(s.errorCode, 0);
    assert.equal(s.error, null);
    assert.equal(s.command, 16777219);
    assert.equal(s.dhwChargePer, 92);
    assert.equal(s.currentInstPower, 1);
    assert.equal(s.antiLegionellaPeriod, 7);
    assert.equal(s.airFilterAlarmPeriod, 1000);
    assert.equal(s.drOverrideStatus, 0);
  });

  it('keeps every wire key (87 in the capture)', () => {
    const s = decodeStatus(raw, 'C');
    assert.equal(Object.keys(raw).length, 87);
    for (const key of Object.keys(raw)) assert.ok(key in s, key);
  });

  it('documents every captured and newer-firmware key in STATUS_FIELDS', () => {
    const documented = new Set(STATUS_FIELDS.map((f) => f.key));
    const composite = statusOf('mqtt/status.current-firmware.composite.json');
    for (const key of Object.keys(composite)) assert.ok(documented.has(key), `${key} missing from STATUS_FIELDS`);
    assert.equal(documented.size, STATUS_FIELDS.length, 'duplicate keys in STATUS_FIELDS');
  });

  it('decodes the newer-firmware fields', () => {
    const s = decodeStatus(statusOf('mqtt/status.current-firmware.composite.json'), 'F');
    assert.equal(s.heatMinOpTemperature, 104.9); // raw 81
    assert.equal(s.dhwOperationBusy, true);
    assert.equal(s.recircOperationBusy, false);
    assert.equal(s.recircReservationUse, false);
    assert.equal(s.recircOperationMode, 'unknown');
    assert.equal(s.recircDhwFlowRate, 0);
    assert.equal(s.recircTemperature, 32);
  });

  it('decodes the captured acks and pushes', () => {
    const temp = decodeStatus(statusOf('mqtt/status.ack-dhw-temperature.json'), 'F');
    assert.equal(temp.dhwTemperatureSetting, 137.3); // 117 = 58.5 °C
    assert.equal(decodeStatus(statusOf('mqtt/status.ack-dhw-temperature.json'), 'C').dhwTemperatureSetting, 58.5);
    assert.equal(temp.tankUpperTemperature, 140.4); // 602 = 60.2 °C
    assert.equal(decodeStatus(statusOf('mqtt/status.ack-dhw-mode.json'), 'C').dhwOperationSetting, 'energy-saver');
    const off = decodeStatus(statusOf('mqtt/status.ack-power-off.json'), 'C');
    assert.equal(off.dhwOperationSetting, 'off');
    assert.equal(off.currentHeatUse, 'none');
    assert.equal(decodeStatus(statusOf('mqtt/status.ack-power-on.json'), 'C').dhwOperationSetting, 'heat-pump');
    const vacation = decodeStatus(statusOf('mqtt/status.ack-vacation.json'), 'C');
    assert.equal(vacation.dhwOperationSetting, 'vacation');
    assert.equal(vacation.vacationDaySetting, 2);
    assert.equal(vacation.heatUpperUse, true);
    const electric = decodeStatus(statusOf('mqtt/status.push-67108868-electric.json'), 'C');
    assert.equal(electric.dhwOperationSetting, 'electric');
    assert.equal(electric.currentHeatUse, 'element');
    assert.equal(electric.operationMode, 'standby');
    assert.equal(electric.totalEnergyCapacity, 7164); // 1791 x 4
    assert.equal(decodeStatus(statusOf('mqtt/status.push-67108883.json'), 'C').operationMode, 'both'); // 96
    assert.equal(decodeStatus(statusOf('mqtt/status.push-67108892.json'), 'C').heatUpperUse, true);
  });

  it('decodes every status fixture and every capture message without losing keys', () => {
    const files = listFixtures('mqtt').filter((f) => f.startsWith('status.') && f !== 'status.capture-sequence.json');
    assert.equal(files.length, 10);
    const raws = [...files.map((f) => statusOf(`mqtt/${f}`)), ...captureSequence().map((m) => m.payload.response.status!)];
    assert.equal(raws.length, 10 + 45);
    for (const r of raws) {
      const s = decodeStatus(r, 'F');
      assert.deepEqual(Object.keys(s).filter((k) => k !== 'error').sort(), Object.keys(r).sort());
      assert.equal(typeof s.dhwTemperature, 'number');
      assert.ok((s.wifiRssi as number) < 0);
    }
  });

  it('maps tri-state 0 to null and the inverted TOU override', () => {
    const s = decodeStatus({ compUse: 0, heatUpperUse: 2, operationBusy: 1, touOverrideStatus: 1, touStatus: 0, dhwUse: 0 }, 'C');
    assert.equal(s.compUse, null);
    assert.equal(s.heatUpperUse, true);
    assert.equal(s.operationBusy, false);
    assert.equal(s.touOverrideStatus, true);
    assert.equal(s.touStatus, false);
    assert.equal(s.dhwUse, false); // plain flag: 0 is false
    assert.equal(decodeStatus({ touOverrideStatus: 0 }, 'C').touOverrideStatus, null);
  });

  it('decodes an error code, flow and a negative RSSI', () => {
    const s = decodeStatus({ errorCode: 407, subErrorCode: 2, currentDhwFlowRate: 25, wifiRssi: -70 }, 'C');
    assert.equal(s.errorCode, 407);
    assert.deepEqual(s.error, { code: 'E407', number: 407, subCode: 2, description: 'DHW temperature sensor abnormal (high)' });
    assert.equal(s.currentDhwFlowRate, 2.5);
    assert.equal(s.wifiRssi, -70);
  });

  it('passes unknown fields through and never throws on missing or odd values', () => {
    assert.deepEqual(decodeStatus({}, 'C'), {});
    const s = decodeStatus({ futureField: { a: 1 }, dhwTemperature: 'hot', compUse: null, dhwOperationSetting: 42 }, 'F');
    assert.deepEqual(s.futureField, { a: 1 });
    assert.equal(s.dhwTemperature, null);
    assert.equal(s.compUse, null);
    assert.equal(s.dhwOperationSetting, null);
    assert.ok(!('error' in s));
    assert.deepEqual(decodeStatus(null as unknown as Record<string, unknown>, 'C'), {});
  });

  it('decodes each status on its own values when a device repeats one layout (keys and their order)', () => {
    // The decoder reuses what it learnt from the first status of a layout; every later one must still carry its own
    // values, including ones that turn implausible, change type, appear as objects or go back to no error.
    const first = { ...raw, errorCode: 407, subErrorCode: 1, futureField: { a: 1 }, dhwTemperature: 117 };
    const later = { ...first, errorCode: 0, subErrorCode: 0, futureField: { b: 2 }, dhwTemperature: 118, dhwChargePer: 250, compUse: 'on', currentSuperHeat: -0, command: 'x' };
    const reported: string[] = [];
    for (const unit of ['F', 'C'] as const) {
      decodeStatus(first, unit);
      const s = decodeStatus(later, unit, (field) => reported.push(field));
      // The same status with its keys in another order is another layout, decoded afresh: the reference.
      const reordered = Object.fromEntries(Object.entries(later).reverse());
      assert.deepEqual(s, decodeStatus(reordered, unit));
      // Back to the first layout after another one: still its own values.
      assert.deepEqual(decodeStatus(later, unit, (field) => reported.push(field)), s);
      assert.deepEqual(Object.keys(s), [...Object.keys(later), 'error'], 'keys in the order of the wire, error last');
      assert.equal(s.error, null);
      assert.deepEqual(s.futureField, { b: 2 });
      assert.equal(s.dhwTemperature, unit === 'F' ? 138.2 : 59);
      assert.equal(s.dhwChargePer, null);
      assert.equal(s.compUse, null);
      assert.equal(s.command, 'x');
    }
    assert.deepEqual(reported, ['dhwChargePer', 'dhwChargePer', 'dhwChargePer', 'dhwChargePer']);
  });

  it('reports an implausible value on every status that carries it, also when it repeats', () => {
    const odd = { ...raw, dhwChargePer: 250, repeatProbe: 1 }; // a layout of its own, implausible from its first status
    const reported: string[] = [];
    for (let i = 0; i < 3; i++) assert.equal(decodeStatus({ ...odd }, 'C', (field) => reported.push(field)).dhwChargePer, null);
    assert.deepEqual(reported, ['dhwChargePer', 'dhwChargePer', 'dhwChargePer']);
  });
});
