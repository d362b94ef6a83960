import assert from 'node:assert/strict';
import { CommandContext, OutboundMessage, decodeFeature } from '../../src/shared/codec';
import type { ControlOutcome } from '../../src/shared/control/device-commands';
import { dryRunCommands } from '../../src/shared/control/dry-run';
import type { ControlLimits, PlanIo, PlannedControl } from '../../src/shared/control/plan';
import { planRequest } from '../../src/shared/control/request/parse';
import { TimedActions } from '../../src/shared/control/timed-actions';
import { SYSTEM_CLOCK } from '../../src/shared/clock';
import { memoryKeeper } from '../helpers/memory-keeper';

const MAC = '0a1b2c3d4e5f';
const CTX: CommandContext = { clientId: 'c', sessionId: '1', device: { mac: MAC, additionalValue: '1234', deviceType: 52 } };
const LIMITS: ControlLimits = { unit: 'F', allowPowerOff: true, readOnly: false, features: decodeFeature({ dhwTemperatureMin: 81, dhwTemperatureMax: 131 }, 'F') };

/** A device that answers the weekly-program read with one Monday entry; records every query. */
function io(): PlanIo & { queries: OutboundMessage[] } {
  const queries: OutboundMessage[] = [];
  return {
    queries,
    commandContext: () => CTX,
    request: async (_mac: string, message: OutboundMessage) => {
      queries.push(message);
      return { kind: 'reservation', mac: MAC, topic: 't', payload: {}, response: { reservationUse: 2, reservation: [{ enable: 2, week: 64, hour: 6, min: 0, mode: 1, param: 98 }] } };
    },
  };
}

const wire = (message: Record<string, unknown>) => {
  const request = message.request as { mode: string; param: number[] };
  return `${request.mode} ${request.param.join(',')}`;
};

describe('dry run: what an input would publish, built where the real run builds it', () => {
  it('a boost shows exactly the controls TimedActions sends to start it, in the same order', async () => {
    const { controls, timed } = planRequest(undefined, { boost: { setpoint: 140, mode: 'high-demand', minutes: 30 } }, undefined, LIMITS);
    const shown = await dryRunCommands(io(), MAC, controls, timed, 'F');
    assert.deepEqual(shown.map((c) => [c.command, c.requested, wire(c.message)]), [
      ['boost', { setpoint: 140, mode: 'high-demand', minutes: 30 }, 'dhw-temperature 120'],
      ['boost', { setpoint: 140, mode: 'high-demand', minutes: 30 }, 'dhw-mode 4'],
    ]);
    const sent: string[] = [];
    const submit = async (plan: PlannedControl): Promise<ControlOutcome> => {
      sent.push(wire(plan.build(CTX).payload));
      return { command: plan.command, requested: plan.requested, applied: plan.requested, result: 'confirmed', latencyMs: 0, status: undefined };
    };
    const readStatus = async () => ({ dhwOperationSetting: 3, dhwTemperatureSetting: 100 });
    const { keeper } = memoryKeeper(MAC, { submit, readStatus, clock: SYSTEM_CLOCK });
    const actions = new TimedActions({ mac: MAC, unit: 'F', owner: 'n1', submit, readStatus, keeper });
    await actions.run(timed[0], undefined);
    keeper.close();
    assert.deepEqual(sent, shown.map((c) => wire(c.message)));
  });

  it('a vacation shows vacation mode with its days; ending one shows nothing (what it restores is not known yet)', async () => {
    const start = planRequest(undefined, { vacation: { days: 7 } }, undefined, LIMITS);
    assert.deepEqual((await dryRunCommands(io(), MAC, start.controls, start.timed, 'F')).map((c) => [c.command, wire(c.message)]), [['vacation', 'dhw-mode 5,7']]);
    const end = planRequest(undefined, { vacation: false }, undefined, LIMITS);
    assert.deepEqual(await dryRunCommands(io(), MAC, end.controls, end.timed, 'F'), []);
  });

  it('a weekly-program edit reads the program (a query, not a change) to show the whole list it would write', async () => {
    const device = io();
    const { controls, timed } = planRequest(undefined, { schedule: { add: { days: ['tue'], time: '07:00', mode: 'heat-pump', setpoint: 120 } } }, undefined, LIMITS);
    const [shown] = await dryRunCommands(device, MAC, controls, timed, 'F');
    assert.equal(device.queries.length, 1);
    assert.deepEqual((shown.message.request as { reservation: unknown[] }).reservation, [
      { enable: 2, week: 64, hour: 6, min: 0, mode: 1, param: 98 },
      { enable: 2, week: 32, hour: 7, min: 0, mode: 1, param: 98 },
    ]);
  });
});
