import * as assert from 'node:assert/strict';
import { capabilityFor, decodeFeature, isControlSupported } from '../../src/shared/codec';
import { loadFixture } from './fixtures';

describe('codec/feature', () => {
  const raw = loadFixture('mqtt/feature.response.composite.json').payload.response.feature;

  it('decodes identity, firmware and limits in °F', () => {
    const f = decodeFeature(raw, 'F');
    assert.equal(f.serial, 'TEST0000SN00000001');
    assert.equal(f.model, 'NWP500');
    assert.equal(f.modelTypeCode, 513);
    assert.equal(f.countryCode, 3);
    assert.equal(f.tankSizeGallons, 65);
    assert.deepEqual(f.firmware, { controller: 184614912, panel: 0, wifi: 34013184, recirc: 0 });
    assert.equal(f.displayUnit, 'F');
    assert.equal(f.setpointMin, 104.9);
    assert.equal(f.setpointMax, 149.9);
    assert.equal(f.setpointMinRaw, 81);
    assert.equal(f.setpointMaxRaw, 131);
    assert.equal(f.freezeProtectionMin, 42.8);
    assert.equal(f.freezeProtectionMax, 50);
    assert.equal(f.recircSetpointMax, 140);
    assert.equal(f.temperatureControl, true);
    assert.equal(f.temperatureSetting, 'half-degree');
    assert.equal(f.raw, raw);
  });

  it('decodes limits in °C', () => {
    const f = decodeFeature(raw, 'C');
    assert.equal(f.setpointMin, 40.5);
    assert.equal(f.setpointMax, 65.5);
    assert.equal(f.freezeProtectionMin, 6);
  });

  it('decodes capability flags (2 = yes, 1 = no)', () => {
    const c = decodeFeature(raw, 'F').capabilities;
    for (const name of ['power', 'dhwMode', 'vacation', 'schedule', 'tou', 'antiLegionella', 'demandResponse', 'recircSchedule',
      'energyUsage', 'heatPump', 'electric', 'energySaver', 'highDemand', 'temperature', 'freezeProtection'] as const) {
      assert.equal(c[name], true, name);
    }
    assert.equal(c.recirculation, false);
    assert.equal(c.mixingValve, false); // `mixingValueUse` 1
    assert.equal(c.title24, false);
  });

  it('treats missing flags as unknown and temperature control as off', () => {
    const f = decodeFeature({}, 'C');
    assert.equal(f.capabilities.power, null);
    assert.equal(f.temperatureControl, false);
    assert.equal(f.serial, null);
    assert.equal(f.tankSizeGallons, null);
    assert.equal(decodeFeature({ dhwTemperatureSettingUse: 1 }, 'C').temperatureControl, false);
    assert.equal(decodeFeature({ dhwTemperatureSettingUse: 4 }, 'C').temperatureControl, true);
  });

  it('maps controls to their gating capability (docs/protocol.md#capability-gating)', () => {
    assert.equal(capabilityFor('power'), 'power');
    assert.equal(capabilityFor('mode'), 'dhwMode');
    assert.equal(capabilityFor('setpoint'), 'temperature');
    assert.equal(capabilityFor('tou'), 'tou');
    assert.equal(capabilityFor('reservationMode'), 'waterProgram');
    assert.equal(capabilityFor('vacation'), 'vacation');
    assert.equal(capabilityFor('recircHotButton'), 'recirculation');
    assert.equal(capabilityFor('recircSchedule'), 'recircSchedule');
    assert.equal(capabilityFor('energy-saver'), 'energySaver');
    assert.equal(capabilityFor('toString'), undefined);
    const f = decodeFeature(raw, 'F');
    assert.equal(isControlSupported(f, 'recircMode'), false);
    assert.equal(isControlSupported(f, 'setpoint'), true);
    assert.equal(isControlSupported(undefined, 'recircMode'), true);
    assert.equal(isControlSupported(decodeFeature({}, 'F'), 'power'), true);
  });
});
