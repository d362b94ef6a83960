import assert from 'node:assert/strict';
import type { AccountConnection } from '../../src/shared/connection';
import { DEFAULT_PASSWORD } from '../../tools/simulator/simulator';
import { FAST_BACKOFF, connectionFixture, nextBackoff } from '../helpers/account-connection';
import { FakeClock } from '../helpers/fake-clock';
import { delay, waitFor } from '../helpers/wait';

const MINUTE = 60_000;

/**
 * Sign-ins the cloud refuses in a way the package does not know (HTTP 423, an unknown body code) or keeps failing:
 * over hours of virtual time the account must not be retried into a lock-out.
 */
describe('AccountConnection sign-in refusals and the hourly sign-in limit (simulator, virtual time)', function () {
  this.timeout(120_000);
  const fx = connectionFixture({ transport: 'js', clientPrefix: 'navien-sign-in-refusals' });
  let signIns = 0;
  const onRest = (e: { path: string }) => {
    if (e.path.endsWith('/user/sign-in')) signIns++;
  };
  beforeEach(() => {
    signIns = 0;
    fx.sim.on('rest', onRest);
  });
  afterEach(() => {
    fx.sim.off('rest', onRest);
    fx.sim.clearRestFaults();
  });

  /** Starts the connection and moves virtual time on a minute at a time, each time once it waits on the clock again. */
  async function runFor(connection: AccountConnection, clock: FakeClock, minutes: number): Promise<void> {
    connection.start();
    for (let m = 0; m < minutes; m++) {
      const settled = () => connection.state.phase === 'invalid-credentials' || connection.state.phase === 'connected';
      await waitFor(() => clock.pending > 0 || settled(), 'the connection waiting on its clock');
      if (clock.pending === 0) return;
      clock.advance(MINUTE);
    }
  }

  async function stopsAfterRepeatedRefusal(fault: { status: number; code?: number; msg: string }, expected: RegExp): Promise<void> {
    fx.sim.failRest('/user/sign-in', { ...fault, times: 10_000 });
    const clock = new FakeClock(Date.now());
    const connection = fx.connect({ clock });
    await runFor(connection, clock, 10);
    assert.equal(connection.state.phase, 'invalid-credentials', `stopped, not ${connection.state.phase}`);
    assert.equal(signIns, 3, 'three identical refusals, then no more');
    assert.match(connection.state.refusal ?? '', expected, 'the cloud\'s message is shown');
    // A day later nothing has been sent: the user has to fix it and redeploy.
    clock.advance(24 * 60 * MINUTE);
    await delay(300);
    assert.equal(signIns, 3);
    assert.equal(clock.pending, 0, 'no retry is scheduled');
  }

  it('stops after the third identical HTTP 423 refusal and shows the cloud\'s message', async () => {
    await stopsAfterRepeatedRefusal({ status: 423, msg: 'ACCOUNT_LOCKED' }, /HTTP 423.*ACCOUNT_LOCKED/);
  });

  it('stops after the third refusal with a body code the client does not know', async () => {
    await stopsAfterRepeatedRefusal({ status: 200, code: 1099, msg: 'ACCOUNT_SUSPENDED' }, /HTTP 200, code 1099, ACCOUNT_SUSPENDED/);
  });

  it('never shows the password even when the cloud\'s message repeats it', async () => {
    fx.sim.failRest('/user/sign-in', { status: 400, code: 1098, msg: `BAD_REQUEST password=${DEFAULT_PASSWORD}`, times: 10_000 });
    const clock = new FakeClock(Date.now());
    const connection = fx.connect({ clock });
    await runFor(connection, clock, 10);
    assert.equal(connection.state.phase, 'invalid-credentials');
    assert.match(connection.state.refusal ?? '', /BAD_REQUEST password=<hidden>/);
    assert.ok(!JSON.stringify(connection.state).includes(DEFAULT_PASSWORD), JSON.stringify(connection.state));
  });

  it('keeps retrying a failing cloud, but with at most 10 failed sign-ins in any hour', async () => {
    fx.sim.failRest('/user/sign-in', { status: 503, times: 10_000 });
    const clock = new FakeClock(Date.now());
    const sentAt: number[] = [];
    const onSignIn = (e: { path: string }) => {
      if (e.path.endsWith('/user/sign-in')) sentAt.push(clock.now());
    };
    fx.sim.on('rest', onSignIn);
    try {
      const connection = fx.connect({ clock });
      await runFor(connection, clock, 59);
      assert.equal(sentAt.length, 10, 'ten failed sign-ins in the first hour');
      assert.equal(connection.state.phase, 'reconnecting', 'still trying: a 503 is the cloud\'s trouble');
      assert.match(connection.state.error ?? '', /10 failed sign-ins in the last hour/);
      // Three hours on: it still tries, never more than ten times in any hour.
      await runFor(connection, clock, 3 * 60);
      assert.ok(sentAt.length > 10, `${sentAt.length} sign-ins in 4 hours`);
      for (let i = 10; i < sentAt.length; i++) {
        assert.ok(sentAt[i] - sentAt[i - 10] >= 60 * MINUTE, `sign-ins ${i - 9}..${i + 1} within ${(sentAt[i] - sentAt[i - 10]) / MINUTE} min`);
      }
    } finally {
      fx.sim.off('rest', onSignIn);
    }
  });

  it('draws the backoff\'s jitter from the injected random source: the lowest and the highest wait of the policy', async () => {
    fx.sim.failRest('/user/sign-in', { status: 503, times: 2 });
    const clock = new FakeClock(Date.now());
    const draws = [0, 0.999_999];
    const connection = fx.connect({ clock, random: () => draws.shift() ?? 0.5, backoff: FAST_BACKOFF });
    const first = nextBackoff(connection);
    connection.start();
    // FAST_BACKOFF: 100 ms, doubling, +/-20 % jitter.
    assert.equal(await first, 80, 'the first wait at the lowest draw');
    const second = nextBackoff(connection);
    clock.advance(80);
    assert.equal(await second, 240, 'the second (doubled) wait at the highest draw');
  });

  it('a different refusal in between starts the count again', async () => {
    fx.sim.failRest('/user/sign-in', { status: 423, msg: 'ACCOUNT_LOCKED', times: 2 });
    fx.sim.failRest('/user/sign-in', { status: 200, code: 1099, msg: 'ACCOUNT_SUSPENDED', times: 2 });
    const clock = new FakeClock(Date.now());
    const connection = fx.connect({ clock });
    await runFor(connection, clock, 10);
    assert.equal(connection.state.phase, 'connected', 'two and two are not three in a row; the fifth sign-in works');
    assert.equal(signIns, 5);
  });
});
