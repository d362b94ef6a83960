import assert from 'node:assert/strict';
import { CommandContext, decodeFeature } from '../../src/shared/codec';
import type { ControlOutcome } from '../../src/shared/control/device-commands';
import type { ControlLimits, PlannedControl } from '../../src/shared/control/plan';
import { hasCondenserFault } from '../../src/shared/control/plans/condenser-fault-reset';
import { planRequest } from '../../src/shared/control/request/parse';
import type { Clock } from '../../src/shared/clock';
import { TimedActions } from '../../src/shared/control/timed-actions';
import { memoryKeeper } from '../helpers/memory-keeper';

const MAC = '0a1b2c3d4e5f';
const CTX: CommandContext = { clientId: 'c', sessionId: '1', device: { mac: MAC, additionalValue: '1234', deviceType: 52 } };
const LIMITS: ControlLimits = { unit: 'F', allowPowerOff: true, readOnly: false, features: decodeFeature({ dhwTemperatureMin: 81, dhwTemperatureMax: 131 }, 'F') };
const DAY = 86_400_000;

/** A clock that only moves when told, with timers that fire when it passes them. */
function manualClock(start: number): Clock & { advance(ms: number): void; pending(): number[] } {
  let now = start;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 0;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(++next, { at: now + ms, fn });
      return next;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers]) if (t.at <= now) {
        timers.delete(id);
        t.fn();
      }
    },
    pending: () => [...timers.values()].map((t) => t.at),
  };
}

describe('service controls: vacation days while on vacation, the condenser fault', () => {
  it('a vacation with restore, then new days while it runs: goout-day is sent, the restore keeps the mode from before and moves to the new end', async () => {
    const clock = manualClock(1_000_000);
    const sent: string[] = [];
    let status: Record<string, unknown> = { dhwOperationSetting: 3, dhwTemperatureSetting: 100 };
    const submit = async (plan: PlannedControl): Promise<ControlOutcome> => {
        const request = plan.build(CTX).payload.request as { mode: string; param: number[] };
        sent.push(`${request.mode} ${request.param.join(',')}`);
        if (request.mode === 'dhw-mode' && request.param[0] === 5) status = { ...status, dhwOperationSetting: 5, vacationDaySetting: request.param[1] };
        if (request.mode === 'goout-day') status = { ...status, vacationDaySetting: request.param[0] };
        return { command: plan.command, requested: plan.requested, applied: plan.confirmedValue(status) ?? null, result: 'confirmed', latencyMs: 0, status };
    };
    const readStatus = async () => status;
    const { keeper, record } = memoryKeeper(MAC, { submit, readStatus, clock });
    const actions = new TimedActions({ mac: MAC, unit: 'F', owner: 'n1', submit, readStatus, keeper, clock });
    const vacation = () => record()?.changes.find((c) => c.kind === 'vacation');
    const start = planRequest(undefined, { vacation: { days: 3, restore: true } }, undefined, LIMITS).timed[0];
    await actions.run(start, 'away');
    assert.equal(vacation()?.until, 1_000_000 + 3 * DAY);
    clock.advance(DAY);
    const change = planRequest(undefined, { vacation: { days: 5, restore: true } }, undefined, LIMITS).timed[0];
    const event = await actions.run(change, undefined);
    assert.deepEqual([event?.phase, event?.result, event?.applied], ['changed', 'confirmed', { days: 5 }]);
    assert.deepEqual(sent, ['dhw-mode 5,3', 'goout-day 5']);
    assert.deepEqual(record()?.baseline, { mode: 3, setpointRaw: 100 }, 'what the end puts back is unchanged');
    assert.equal(vacation()?.until, 1_000_000 + DAY + 5 * DAY, 'the end moved to five days from the change');
    assert.equal(vacation()?.topic, 'away', 'the restore message keeps the topic of the message that started it');
    assert.deepEqual(clock.pending(), [1_000_000 + DAY + DAY], 'one timer, re-armed in steps of a day');

    const keep = planRequest(undefined, { vacation: { days: 2 } }, undefined, LIMITS).timed[0];
    await actions.run(keep, undefined);
    assert.equal(vacation()?.until, undefined, 'without restore the vacation no longer ends by itself');
    assert.deepEqual(clock.pending(), []);
    keeper.close();
  });

  it('a condenser fault is E990 or the tripped condensate sensor', () => {
    assert.equal(hasCondenserFault({ errorCode: 990 }), true);
    assert.equal(hasCondenserFault({ errorCode: 0, conOvrSensorUse: 2 }), true);
    assert.equal(hasCondenserFault({ errorCode: 0, conOvrSensorUse: 1 }), false);
    assert.equal(hasCondenserFault({ errorCode: 799, wtrOvrSensorUse: 2 }), false);
    assert.equal(hasCondenserFault({}), false);
  });

  it('gating: intelligent mode follows the reservation-program flag, the condenser reset the heat-pump flag, the recirculation schedule its own flag', () => {
    const without = (flags: Record<string, number>): ControlLimits => ({ ...LIMITS, installerActions: true, features: decodeFeature({ dhwTemperatureMin: 81, dhwTemperatureMax: 131, ...flags }, 'F') });
    const refused = (payload: Record<string, unknown>, limits: ControlLimits) => assert.throws(() => planRequest(undefined, payload, undefined, limits), (err: any) => err.key === 'unsupported');
    refused({ intelligent: true }, without({ programReservationUse: 1 }));
    refused({ condenserFaultReset: true }, without({ heatpumpUse: 1 }));
    refused({ recirculation: { schedule: { enabled: false } } }, without({ recircReservationUse: 1 }));
    // A pump is not needed for the schedule (nwp500-python gates it on recircReservationUse alone), nor a schedule flag for the pump mode.
    assert.equal(planRequest(undefined, { recirculation: { schedule: { enabled: false } } }, undefined, without({ recirculationUse: 1, recircReservationUse: 2 })).controls.length, 1);
    // Read-only accounts refuse them all.
    for (const payload of [{ intelligent: false }, { condenserFaultReset: true }, { recirculation: { schedule: { enabled: true, entries: [] } } }]) {
      assert.throws(() => planRequest(undefined, payload, undefined, { ...LIMITS, installerActions: true, readOnly: true }), (err: any) => err.key === 'read-only');
    }
  });
});
