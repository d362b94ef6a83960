import assert from 'node:assert/strict';
import { HeaterSettings, SettingChange, restoreStep, withChange } from '../../src/shared/ledger/settings-record';

const MAC = 'aa';
const status = (mode: number, setpointRaw: number) => ({ dhwOperationSetting: mode, dhwTemperatureSetting: setpointRaw });
const change = (owner: string, kind: SettingChange['kind'], ours: SettingChange['ours']): SettingChange => ({ owner, kind, ours, startedAt: 0, unit: 'C' });

describe('the settings record: one baseline per heater (defect 11)', () => {
  // The user's own: energy-saver (3) at 121 half-°C. A live plan holds heat-pump (1) at 81; a boost raises it to 120.
  const planned = withChange(undefined, MAC, status(3, 121), change('planner', 'plan', { mode: 1, setpointRaw: 81 })).record;
  const both = withChange(planned, MAC, status(1, 81), change('control', 'boost', { setpointRaw: 120 })).record;

  it('a boost during a plan keeps the user\'s baseline, not the plan\'s value', () => {
    assert.deepEqual(both.baseline, { mode: 3, setpointRaw: 121 });
    assert.deepEqual(both.changes.map((c) => [c.owner, c.kind]), [['planner', 'plan'], ['control', 'boost']]);
  });

  it('the boost ends while the plan goes on: the heater goes to the plan\'s value; then the plan ends: the baseline', () => {
    const boostEnds = restoreStep(both, both.changes[1], status(1, 120));
    assert.deepEqual(boostEnds.writes, [{ field: 'setpointRaw', value: 81 }]);
    assert.ok(boostEnds.after);
    const planEnds = restoreStep(boostEnds.after, both.changes[0], status(1, 81));
    assert.deepEqual(planEnds.writes, [{ field: 'setpointRaw', value: 121 }, { field: 'mode', value: 3 }]);
    assert.equal(planEnds.after, undefined);
  });

  it('the plan ends first while the boost is on: nothing is written (the boost\'s setpoint stays, the mode goes back)', () => {
    const planEnds = restoreStep(both, both.changes[0], status(1, 120));
    assert.deepEqual(planEnds.writes, [{ field: 'mode', value: 3 }]);
    const boostEnds = restoreStep(planEnds.after as HeaterSettings, both.changes[1], status(3, 120));
    assert.deepEqual(boostEnds.writes, [{ field: 'setpointRaw', value: 121 }]);
  });

  it('the owner changed the setpoint in the app meanwhile: their newest setting wins, over the stale baseline too', () => {
    const ends = restoreStep(planned, planned.changes[0], status(1, 110));
    assert.deepEqual(ends.writes, [{ field: 'mode', value: 3 }], 'only the mode, still ours, goes back');
    assert.deepEqual(ends.overridden, [{ field: 'setpointRaw', ours: 81, shows: 110 }]);
    assert.deepEqual(ends.target, { mode: 3, setpointRaw: 110 });
    // A boost started after the owner's change keeps their 110 as what comes back, not the 121 from before.
    const later = withChange(planned, MAC, status(1, 110), change('control', 'boost', { setpointRaw: 120 }));
    assert.deepEqual(later.record.baseline, { mode: 3, setpointRaw: 110 });
    assert.deepEqual(later.overridden, [{ field: 'setpointRaw', ours: 81, shows: 110 }]);
  });

  it('the owner took the whole setting back (mode and setpoint): the change is dropped without a write', () => {
    const ends = restoreStep(planned, planned.changes[0], status(2, 100));
    assert.deepEqual(ends.writes, []);
    assert.equal(ends.after, undefined);
    assert.equal(ends.overridden.length, 2);
  });

  it('the same owner again updates its change: fields it does not set now stay ours', () => {
    const again = withChange(planned, MAC, status(1, 81), change('planner', 'plan', { setpointRaw: 100 })).record;
    assert.deepEqual(again.changes.map((c) => c.ours), [{ mode: 1, setpointRaw: 100 }]);
    assert.deepEqual(again.baseline, { mode: 3, setpointRaw: 121 });
  });
});

describe('the settings record: a vacation during the same node\'s boost', () => {
  // The user's own: energy-saver (3) at 100 half-°C; the node's boost: high demand (4) at 120; then its vacation.
  const boosted = withChange(undefined, MAC, status(3, 100), change('control', 'boost', { mode: 4, setpointRaw: 120 })).record;
  const away = withChange(boosted, MAC, status(4, 120), { ...change('control', 'vacation', { mode: 5 }), replaces: ['boost'] }).record;

  it('takes the boost\'s place: one change, which also owns the boost\'s setpoint', () => {
    assert.deepEqual(away.changes.map((c) => [c.kind, c.ours]), [['vacation', { mode: 5, setpointRaw: 120 }]]);
    assert.deepEqual(away.baseline, { mode: 3, setpointRaw: 100 });
  });

  it('its end puts back the mode and the setpoint from before the boost, not the boost\'s 120', () => {
    const ends = restoreStep(away, away.changes[0], status(5, 120));
    assert.deepEqual(ends.writes, [{ field: 'mode', value: 3 }, { field: 'setpointRaw', value: 100 }]);
    assert.equal(ends.after, undefined);
  });

  it('a setpoint the owner changed during the vacation stays theirs', () => {
    const ends = restoreStep(away, away.changes[0], status(5, 110));
    assert.deepEqual(ends.writes, [{ field: 'mode', value: 3 }]);
    assert.deepEqual(ends.overridden, [{ field: 'setpointRaw', ours: 120, shows: 110 }]);
  });
});
