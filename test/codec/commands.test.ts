import * as assert from 'node:assert/strict';
import {
  COMMANDS,
  CommandContext,
  OutboundMessage,
  ackTopic,
  buildAirFilterLife,
  buildAirFilterReset,
  buildAntiLegionella,
  buildAppConnection,
  buildCondenserFaultReset,
  buildDemandResponse,
  buildDeviceInfoRequest,
  appReplyFilter,
  buildDiagnosticsQuery,
  buildEnergyDailyQuery,
  buildEnergyHourlyQuery,
  buildEnergyMonthlyQuery,
  buildFirmwareInfoQuery,
  buildIntelligent,
  buildModeCommand,
  buildPowerCommand,
  buildRecircHotButton,
  buildRecircMode,
  buildRecircScheduleRead,
  buildRecircScheduleWrite,
  buildReservationMode,
  buildReservationRead,
  buildReservationWrite,
  buildSessionEnd,
  buildSetpointCommand,
  buildStatusRequest,
  buildTouEnable,
  buildTouScheduleWrite,
  buildVacationDays,
  clientReplyFilter,
  deviceTopicFilter,
  encodeRecircSchedule,
  encodeReservation,
  toHalfCelsius,
  touPlanPeriods,
} from '../../src/shared/codec';
import { listFixtures, loadFixture } from './fixtures';

const ctx: CommandContext = {
  clientId: 'navien-client-0a1b2c3d',
  sessionId: '1700000001000',
  device: { mac: '0a1b2c3d4e5f', additionalValue: '1234', deviceType: 52, homeSeq: 20001 },
};

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

/** One builder call per fixture in fixtures/commands. */
const BUILDERS: Record<string, () => OutboundMessage> = {
  'air-filter.life-3000h.json': () => buildAirFilterLife(ctx, 3000),
  'air-filter.reset.json': () => buildAirFilterReset(ctx),
  'anti-legionella.disable.json': () => buildAntiLegionella(ctx, false),
  'anti-legionella.enable-7-days.json': () => buildAntiLegionella(ctx, 7),
  'app-connection.json': () => buildAppConnection(ctx, new Date(1700000000000)),
  'condenser-fault-reset.json': () => buildCondenserFaultReset(ctx),
  'demand-response.disable.json': () => buildDemandResponse(ctx, false),
  'demand-response.enable.json': () => buildDemandResponse(ctx, true),
  'dhw-mode.electric.json': () => buildModeCommand(ctx, 'electric'),
  'dhw-mode.energy-saver.json': () => buildModeCommand(ctx, 3),
  'dhw-mode.heat-pump.json': () => buildModeCommand(ctx, 'heat-pump'),
  'dhw-mode.high-demand.json': () => buildModeCommand(ctx, 4),
  'dhw-mode.vacation-7-days.json': () => buildModeCommand(ctx, 'vacation', 7),
  'dhw-temperature.120F.json': () => buildSetpointCommand(ctx, toHalfCelsius(120, 'F')),
  'dhw-temperature.140F.json': () => buildSetpointCommand(ctx, toHalfCelsius(140, 'F')),
  'diagnostics.query.json': () => buildDiagnosticsQuery(ctx),
  'energy.daily-query.json': () => buildEnergyDailyQuery(ctx, 2025, [9]),
  'energy.hourly-query.json': () => buildEnergyHourlyQuery(ctx, 2026, 9, [11]),
  'energy.monthly-query.json': () => buildEnergyMonthlyQuery(ctx, [2025, 2026]),
  'firmware-download-info.query.json': () => buildFirmwareInfoQuery(ctx),
  'intelligent.disable.json': () => buildIntelligent(ctx, false),
  'intelligent.enable.json': () => buildIntelligent(ctx, true),
  'power-off.json': () => buildPowerCommand(ctx, false),
  'power-on.json': () => buildPowerCommand(ctx, true),
  'recirc-schedule.read.json': () => buildRecircScheduleRead(ctx),
  'recirc-schedule.write.json': () =>
    buildRecircScheduleWrite(
      ctx,
      encodeRecircSchedule({
        enabled: true,
        entries: [
          { days: [...weekdays], time: '06:00', pump: 'on' },
          { days: [...weekdays], time: '08:30', pump: 'off' },
        ],
      }),
    ),
  'recirculation.hot-button.json': () => buildRecircHotButton(ctx),
  'recirculation.mode-schedule.json': () => buildRecircMode(ctx, 'schedule'),
  'request-device-info.json': () => buildDeviceInfoRequest(ctx),
  'request-status.json': () => buildStatusRequest(ctx),
  'reservations.read.json': () => buildReservationRead(ctx),
  'reservations.write.json': () =>
    buildReservationWrite(
      ctx,
      encodeReservation(
        {
          enabled: true,
          entries: [
            { enabled: true, days: [...weekdays], time: '06:30', mode: 'high-demand', setpoint: 140 },
            { enabled: true, days: ['sat', 'sun'], time: '08:00', mode: 'energy-saver', setpoint: 131 },
          ],
        },
        'F',
      ),
    ),
  'session-end.json': () => buildSessionEnd(ctx),
  'tou.disable.json': () => buildTouEnable(ctx, false),
  'tou.enable.json': () => buildTouEnable(ctx, true),
  'tou.write-schedule.json': () =>
    buildTouScheduleWrite(ctx, 'TEST0000SN00000001', true, touPlanPeriods(loadFixture('rest/tou-info.response.json').data).slice(0, 3)),
  'vacation-duration.goout-day-7.json': () => buildVacationDays(ctx, 7),
  'water-program.reservation-mode.json': () => buildReservationMode(ctx),
};

// The firmware commit installs firmware; the codec deliberately has no builder for it (docs/protocol.md#not-sent).
const NOT_BUILT = ['ota-commit.json'];

describe('codec/commands', () => {
  it('has a builder for every command fixture except the firmware commit', () => {
    const files = listFixtures('commands');
    assert.deepEqual(Object.keys(BUILDERS).sort(), files.filter((f) => !NOT_BUILT.includes(f)));
    assert.ok(files.includes('ota-commit.json'));
  });

  for (const [file, build] of Object.entries(BUILDERS)) {
    it(`reproduces ${file}`, () => {
      const expected = loadFixture(`commands/${file}`);
      const actual = build();
      assert.equal(actual.topic, expected.topic);
      assert.equal(actual.qos, 1);
      assert.deepEqual(JSON.parse(JSON.stringify(actual.payload)), expected.payload);
    });
  }

  it('builds the subscription and ack topics', () => {
    assert.equal(deviceTopicFilter(52, '0a1b2c3d4e5f'), 'cmd/52/navilink-0a1b2c3d4e5f/#');
    assert.equal(clientReplyFilter(52, 'navien-client-0a1b2c3d'), 'cmd/52/navien-client-0a1b2c3d/res/#');
    assert.equal(ackTopic(52, '0a1b2c3d4e5f', 'navien-client-0a1b2c3d'), 'cmd/52/navilink-0a1b2c3d4e5f/navien-client-0a1b2c3d/res');
  });

  it('uses the codes of the master table (docs/protocol.md#command-codes)', () => {
    assert.equal(COMMANDS.deviceInfo, 0x01000001);
    assert.equal(COMMANDS.status, 0x01000003);
    assert.equal(COMMANDS.reservationWrite, 0x0100000a);
    assert.equal(COMMANDS.energyMonthly, 0x0100000a);
    assert.equal(COMMANDS.recircScheduleRead, 16777231);
    assert.equal(COMMANDS.dhwMode, 0x02000005);
    assert.equal(COMMANDS.dhwTemperature, 0x02000020);
    assert.equal(COMMANDS.touOn, 0x0200002c);
  });

  it('rejects invalid control values with a message naming the field', () => {
    assert.throws(() => buildModeCommand(ctx, 5), /vacationDays: undefined.*1-30/);
    assert.throws(() => buildModeCommand(ctx, 'vacation', 31), /vacationDays: 31/);
    assert.throws(() => buildModeCommand(ctx, 6), /mode: 6/);
    assert.throws(() => buildModeCommand(ctx, 'off'), /mode: "off"/);
    assert.throws(() => buildModeCommand(ctx, 0), /mode: 0/);
    assert.throws(() => buildAntiLegionella(ctx, 31), /periodDays: 31/);
    assert.throws(() => buildAntiLegionella(ctx, 0), /periodDays: 0/);
    assert.throws(() => buildSetpointCommand(ctx, 120.5), /setpoint/);
    assert.throws(() => buildAirFilterLife(ctx, 3100), /hours: 3100/);
    assert.throws(() => buildAirFilterLife(ctx, 500), /hours: 500/);
    assert.throws(() => buildRecircMode(ctx, 5), /mode: 5/);
    assert.throws(() => buildEnergyDailyQuery(ctx, 2025, [13]), /months\[0\]: 13/);
    assert.throws(() => buildEnergyDailyQuery(ctx, 2025, []), /months/);
    assert.throws(() => buildTouScheduleWrite(ctx, 'TEST0000SN00000001', true, []), /periods: 0/);
    assert.throws(() => buildTouScheduleWrite(ctx, '', true, []), /serial/);
  });

  it('turns the air filter alarm off with [0] and sends vacation days in the second param', () => {
    assert.deepEqual((buildAirFilterLife(ctx, 0).payload.request as { param: number[] }).param, [0]);
    assert.deepEqual((buildAirFilterLife(ctx, 10000).payload.request as { param: number[] }).param, [20]);
    assert.deepEqual((buildModeCommand(ctx, 5, 30).payload.request as { param: number[] }).param, [5, 30]);
  });

  it('falls back to homeSeq 0 for the diagnostics reply topic', () => {
    const message = buildDiagnosticsQuery({ ...ctx, device: { ...ctx.device, homeSeq: undefined } });
    assert.equal(message.payload.responseTopic, 'cmd/52/0/0/navien-client-0a1b2c3d/res/td/rd');
  });

  it('puts the account\'s userSeq from sign-in into the diagnostics reply topic, the same one its subscription uses', () => {
    const message = buildDiagnosticsQuery({ ...ctx, userSeq: 10001, device: { ...ctx.device, homeSeq: 20001 } });
    assert.equal(message.payload.responseTopic, 'cmd/52/20001/10001/navien-client-0a1b2c3d/res/td/rd');
    assert.equal(appReplyFilter(52, 20001, 10001, 'navien-client-0a1b2c3d'), 'cmd/52/20001/10001/navien-client-0a1b2c3d/res/#');
  });
});
