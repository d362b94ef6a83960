import * as assert from 'node:assert/strict';
import {
  InboundKind,
  classifyInbound,
  decodeConnectionEvent,
  decodeControlFailure,
  decodeDiagnostics,
  decodeFirmwareDownloadInfo,
} from '../../src/shared/codec';
import { MqttFixture, captureSequence, listFixtures, loadFixture } from './fixtures';

const MAC = '0a1b2c3d4e5f';

/** Expected kind of every fixture in fixtures/mqtt, from docs/protocol.md#routing, #other-replies. */
const EXPECTED: Record<string, InboundKind> = {
  'app-connection.lastwill.event.json': 'connection-event',
  'ctrl-fail.event.json': 'ctrl-fail',
  'diagnostics.response.json': 'diagnostics',
  'energy-usage.daily.response.composite.json': 'energy',
  'energy-usage.monthly.response.json': 'energy',
  'feature.response.composite.json': 'feature',
  'firmware-download-info.response.json': 'firmware',
  'recirc-schedule.read.response.json': 'recirc-reservation',
  'reservation.rsv-hex.response.composite.json': 'reservation',
  'reservation.rsv-rd.empty.response.json': 'reservation',
  'reservation.rsv-rd.response.composite.json': 'reservation',
  'status.ack-dhw-mode.json': 'status',
  'status.ack-dhw-temperature.json': 'status',
  'status.ack-power-off.json': 'status',
  'status.ack-power-on.json': 'status',
  'status.ack-vacation.json': 'status',
  'status.current-firmware.composite.json': 'status',
  'status.push-67108868-electric.json': 'status',
  'status.push-67108883.json': 'status',
  'status.push-67108892.json': 'status',
  'status.response.json': 'status',
  'tou.write-echo.response.composite.json': 'tou-echo',
};

describe('codec/routing', () => {
  it('covers every single-message MQTT fixture', () => {
    const files = listFixtures('mqtt').filter((f) => f !== 'status.capture-sequence.json');
    assert.deepEqual(Object.keys(EXPECTED).sort(), files);
  });

  for (const [file, kind] of Object.entries(EXPECTED)) {
    it(`classifies ${file} as ${kind}`, () => {
      const fixture = loadFixture<MqttFixture>(`mqtt/${file}`);
      const message = classifyInbound(fixture.topic, fixture.payload);
      assert.equal(message.kind, kind);
      assert.equal(message.mac, MAC);
      assert.equal(message.topic, fixture.topic);
      if (kind === 'connection-event') assert.equal(message.event, fixture.payload.event);
      else assert.deepEqual(message.response, fixture.payload.response);
    });
  }

  it('classifies all 45 captured messages as status', () => {
    for (const m of captureSequence()) assert.equal(classifyInbound(m.topic, m.payload).kind, 'status');
  });

  it('recognises echoes of requests (own or other clients)', () => {
    for (const file of listFixtures('commands').filter((f) => f !== 'app-connection.json')) {
      const command = loadFixture(`commands/${file}`);
      const message = classifyInbound(command.topic, command.payload);
      assert.equal(message.kind, 'echo', file);
      assert.equal(message.mac, MAC);
      assert.deepEqual(message.request, command.payload.request);
    }
  });

  it('uses the topic to tell reservation, recirculation and TOU replies apart', () => {
    const response = { deviceType: 52, macAddress: MAC, additionalValue: '1234', reservationUse: 1, reservation: [] };
    assert.equal(classifyInbound('cmd/52/c/res/rsv', { response }).kind, 'reservation');
    assert.equal(classifyInbound('cmd/52/c/res/recirc-rsv', { response }).kind, 'recirc-reservation');
    assert.equal(classifyInbound('cmd/52/c/res/recirc-rsv/rd', { response }).kind, 'recirc-reservation');
    assert.equal(classifyInbound('cmd/52/c/res/tou/rd', { response }).kind, 'tou-echo');
    // Without a telling topic the echoed request topic decides.
    assert.equal(classifyInbound('x', { requestTopic: `cmd/52/navilink-${MAC}/st/recirc-rsv/rd`, response }).kind, 'recirc-reservation');
  });

  it('accepts the st/did aliases and normalises them', () => {
    const status = classifyInbound('t', { response: { macAddress: MAC, st: { dhwTemperature: 117 } } });
    assert.equal(status.kind, 'status');
    assert.deepEqual(status.response?.status, { dhwTemperature: 117 });
    const feature = classifyInbound('t', { response: { macAddress: MAC, did: { powerUse: 2 } } });
    assert.equal(feature.kind, 'feature');
    assert.deepEqual(feature.response?.feature, { powerUse: 2 });
  });

  it('takes the MAC from the topic when the body has none, in lower case', () => {
    assert.equal(classifyInbound('cmd/52/navilink-0A1B2C3D4E5F/ctrl-fail', { response: { failCode: 2 } }).mac, MAC);
    assert.equal(classifyInbound('cmd/52/navilink-0a1b2c3d4e5f/ctrl-fail', { response: {} }).kind, 'ctrl-fail');
  });

  it('recognises the maintenance broadcast by topic alone', () => {
    assert.equal(classifyInbound('evt/52/mobile/event/disconnect-mqtt', undefined).kind, 'maintenance');
    assert.equal(classifyInbound('evt/1/mobile/event/disconnect-mqtt', { anything: 1 }).kind, 'maintenance');
  });

  it('never throws on garbage', () => {
    const garbage: unknown[] = [undefined, null, 42, 'text', [], [1, 2], { response: 5 }, { request: 'x' }, { event: [] }, { response: null }];
    for (const payload of garbage) {
      const message = classifyInbound(`cmd/52/navilink-${MAC}/st`, payload);
      assert.equal(message.kind, 'malformed', JSON.stringify(payload));
    }
    assert.equal(classifyInbound('t', {}).kind, 'unknown');
    assert.equal(classifyInbound('t', { response: { macAddress: MAC } }).kind, 'unknown');
    assert.equal(classifyInbound(undefined as unknown as string, {}).kind, 'unknown');
    assert.equal(classifyInbound('t', { response: { macAddress: 7, status: {} } }).mac, undefined);
  });

  it('decodes the firmware, diagnostics, ctrl-fail and connection replies', () => {
    const firmware = decodeFirmwareDownloadInfo(loadFixture('mqtt/firmware-download-info.response.json').payload.response);
    assert.deepEqual(firmware, { pending: false, items: [{ swCode: 0, otaMode: 0, swVersion: 0, status: 0 }] });
    assert.equal(decodeFirmwareDownloadInfo({ downloadSwInfo: [{ swCode: 1, swVersion: 184614913, status: 1 }] }).pending, true);

    const diagnostics = decodeDiagnostics(loadFixture('mqtt/diagnostics.response.json').payload.response);
    assert.equal(diagnostics.typeOfTD, 2);
    assert.equal(diagnostics.daysSinceInstallation, 359);
    assert.equal(diagnostics.heatPumpWh, 1266585);
    assert.equal(diagnostics.elementWh, 146337);
    assert.equal(diagnostics.compressorHours, 3124);
    assert.equal(diagnostics.upperElementHours, 35);
    assert.equal(diagnostics.lowerElementHours, 0);
    assert.equal(diagnostics.totals.cumulatedOccNumConOvrFlow, 3);
    assert.equal(diagnostics.draws.avrageRecoveryTime, 0);
    assert.deepEqual(diagnostics.tc, {});

    assert.deepEqual(decodeControlFailure(loadFixture('mqtt/ctrl-fail.event.json').payload.response), {
      failCode: 2,
      reason: 'control-interval-exceeded',
    });
    assert.deepEqual(decodeControlFailure({ failCode: 9 }), { failCode: 9, reason: 'unknown' });

    const event = loadFixture('mqtt/app-connection.lastwill.event.json').payload.event;
    assert.deepEqual(decodeConnectionEvent(event), { connected: false, status: 0, os: 'A' });
    assert.equal(decodeConnectionEvent({ connection: { status: 1 } }).connected, true);
    assert.deepEqual(decodeConnectionEvent(undefined), { connected: false, status: null, os: null });
  });
});
