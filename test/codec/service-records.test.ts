import * as assert from 'node:assert/strict';
import {
  classifyInbound,
  decodeDeviceRecord,
  decodeFirmwareDownloadInfo,
  decodeFirmwareRecord,
  decodeInstallerCounters,
  implausibleValues,
  withoutSecrets,
} from '../../src/shared/codec';
import { loadFixture } from './fixtures';
import { reports } from '../helpers/reports';

describe('codec: installer counters, firmware and the device record', () => {
  it('names every installer counter of the documented reply, with units in the names where they are known', () => {
    const fixture = loadFixture('mqtt/diagnostics.response.json');
    const c = decodeInstallerCounters(fixture.payload.response);
    assert.equal(c.typeOfTD, 2);
    assert.equal(c.daysSinceInstallation, 359);
    // Wh as on the wire, kWh rounded to 2 decimals; the share of 1266585 / 1412922.
    assert.deepEqual(c.energy, { heatPumpWh: 1266585, elementWh: 146337, totalWh: 1412922, heatPumpKWh: 1266.59, elementKWh: 146.34, totalKWh: 1412.92, heatPumpShare: 89.6 });
    assert.deepEqual(c.components.compressor, { hours: 3124, starts: 757 });
    assert.deepEqual(c.components.evaporatorFan, { hours: 3138, starts: 794 });
    assert.deepEqual(c.components.upperElement, { hours: 35, starts: 375 });
    assert.deepEqual(c.components.lowerElement, { hours: 0, starts: 20 });
    assert.deepEqual(c.components.recirculationPump, { hours: 0, starts: 0 });
    assert.equal(c.components.expansionValveSteps, 1102);
    assert.deepEqual(c.components.inverterCompressorHours, [0, 0, 0, 0]);
    assert.equal(c.events.condensateOverflow, 3);
    assert.equal(c.events.dryFire, 0);
    assert.deepEqual(c.demandResponse, { shed: 0, loadUp: 0, advancedLoadUp: 0, criticalPeak: 0, gridEmergency: 0 });
    assert.deepEqual(c.draws, { count: 0, volumeL: 0, time: 0, longCount: 0, longVolumeL: 0, longTime: 0, shortCount: 0, averageRecoveryTime: 0 });
  });

  it('installer counters the unit cannot have (negative, a rate above 100 %) are null and reported; missing ones are null', () => {
    const { names, report } = reports();
    const c = decodeInstallerCounters({ data: { tsData: { cumulatedPwrHp: -1, cumulatedOccNumEco: -2 }, taData: { mixingValveOpAvgMixinGrate: 140, cumulatedOpNumComp: 5 } } }, report);
    assert.deepEqual([c.energy.heatPumpWh, c.energy.totalWh, c.energy.heatPumpShare, c.events.eco, c.components.mixingValveAverageRate], [null, null, null, null, null]);
    assert.deepEqual(c.components.compressor, { hours: null, starts: 5 });
    assert.deepEqual(names.sort(), ['cumulatedOccNumEco', 'cumulatedPwrHp', 'mixingValveOpAvgMixinGrate']);
    assert.deepEqual(decodeInstallerCounters(null).daysSinceInstallation, null);
  });

  it('the diagnostics count names implausible installer counters and firmware download values of inbound messages', () => {
    const td = loadFixture('mqtt/diagnostics.response.json');
    const bad = structuredClone(td.payload);
    bad.response.data.tdData.numOfdhwUse = -4;
    assert.deepEqual(implausibleValues(classifyInbound(td.topic, bad)), ['installerDiagnostics.numOfdhwUse']);
    const dl = loadFixture('mqtt/firmware-download-info.response.json');
    const odd = structuredClone(dl.payload);
    odd.response.downloadSwInfo[0].swVersion = -1;
    assert.deepEqual(implausibleValues(classifyInbound(dl.topic, odd)), ['firmware.swVersion']);
  });

  it('firmware: each REST component with its version; a downloaded version means an update is pending', () => {
    const record = loadFixture('rest/firmware-info.response.json').data;
    assert.deepEqual(decodeFirmwareRecord(record), [
      { swCode: 33556241, version: 167837696, downloadedVersion: null, updatePending: false, group: null },
      { swCode: 268435985, version: 34013184, downloadedVersion: null, updatePending: false, group: null },
      { swCode: 268435761, version: 60454, downloadedVersion: null, updatePending: false, group: null },
      { swCode: 268435777, version: 60454, downloadedVersion: null, updatePending: false, group: null },
    ]);
    const pending = structuredClone(record);
    pending.firmwares[1].downloadedVersion = 34013200;
    pending.firmwares[1].deviceGroup = 'NWP500';
    assert.deepEqual(decodeFirmwareRecord(pending)[1], { swCode: 268435985, version: 34013184, downloadedVersion: 34013200, updatePending: true, group: 'NWP500' });
    const { names, report } = reports();
    assert.equal(decodeFirmwareRecord({ firmwares: [{ curSwCode: 1, curVersion: -5 }] }, report)[0].version, null);
    assert.deepEqual(names, ['curVersion']);
    assert.deepEqual(decodeFirmwareRecord({}), []);
    assert.deepEqual(decodeFirmwareDownloadInfo(loadFixture('mqtt/firmware-download-info.response.json').payload.response), {
      pending: false,
      items: [{ swCode: 0, otaMode: 0, swVersion: 0, status: 0 }],
    });
  });

  it('the device record: named fields of the captured reply, no installer when none is named', () => {
    const record = decodeDeviceRecord(loadFixture('rest/device-info.response.json').data);
    assert.deepEqual(record, {
      name: 'NWP500',
      homeSeq: 20001,
      deviceType: 52,
      installType: 'residential',
      connected: true,
      location: { address: '1 Example Street', city: 'Example City', state: 'Example State', latitude: 37, longitude: -122, altitude: null },
      installer: null,
      notifications: { errors: false, other: false },
      descaling: { start: null, end: null },
    });
    const { names, report } = reports();
    const withInstaller = decodeDeviceRecord({ installer: { installerId: 17, installerFirstName: 'Ina', installerPhoneNumber: '555-0100' }, location: { latitude: 123 } }, report);
    assert.deepEqual(withInstaller.installer, { id: '17', firstName: 'Ina', lastName: null, phone: '555-0100' });
    assert.equal(withInstaller.location.latitude, null);
    assert.deepEqual(names, ['latitude']);
  });

  it('a record for msg.raw keeps no credential-like key and no text holding the account e-mail, at any depth', () => {
    const data = {
      deviceInfo: { deviceName: 'Cellar', accessToken: 'a', nested: [{ refreshToken: 'r', note: 'ok' }] },
      userId: 'user@example.com',
      contact: 'mail USER@example.com please',
      installer: { installerPhoneNumber: '555', password: 'x', secretKey: 'y', sessionToken: 'z', email: 'e' },
      list: ['user@example.com', 'kept'],
    };
    assert.deepEqual(withoutSecrets(data, ['user@example.com']), {
      deviceInfo: { deviceName: 'Cellar', nested: [{ note: 'ok' }] },
      installer: { installerPhoneNumber: '555' },
      list: ['kept'],
    });
  });
});
