/**
 * The device picker's admin endpoints (GET /navien-account/:id/devices, POST /navien-account/devices) as a caller
 * with editor access reaches them: a real Node-RED (test helper) with the real account node, the simulator as the
 * account's cloud and a second simulator as a server the caller controls.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import helper = require('node-red-node-test-helper');
import accountNode = require('../../../src/nodes/navien-account');
import statusNode = require('../../../src/nodes/navien-status');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../../tools/simulator/simulator';
import { delay, waitFor } from '../../helpers/wait';
import { MAC, useSimulator, useTestServer } from '../flow-helper';

helper.init(require.resolve('node-red'));

const DEVICE = { mac: MAC, name: 'NWP500', deviceType: 52, model: 'NWP500', online: true };

interface AccountLike extends Node {
  connection?: { state: { phase: string; error?: string }; devices: readonly unknown[] };
}

/** A config node of another package that also keeps a password in Node-RED's credential store. */
function otherConfigNode(RED: NodeAPI): void {
  RED.nodes.registerType('other-config', function (this: Node, config: NodeDef) {
    RED.nodes.createNode(this, config);
  }, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
}

/** Counts the sign-in attempts a simulator receives (accepted or refused). */
function signInAttempts(sim: NavilinkSimulator): { readonly count: number; stop(): void } {
  let count = 0;
  const onRest = (e: { path: string }) => {
    if (e.path.endsWith('/user/sign-in')) count++;
  };
  sim.on('rest', onRest);
  return {
    get count() {
      return count;
    },
    stop: () => sim.off('rest', onRest),
  };
}

describe('device picker admin endpoints (test helper, simulator)', function () {
  this.timeout(120_000);
  const cloud = useSimulator({ speed: 0 });
  /** A server the caller controls: it would see any password sent to it. */
  const foreignServer = useSimulator({ speed: 0 });
  useTestServer(() => cloud().delayRest(0));
  let sim: NavilinkSimulator;
  let foreign: NavilinkSimulator;
  beforeEach(() => {
    [sim, foreign] = [cloud(), foreignServer()];
  });

  const account = (id: string, extra: Record<string, unknown> = {}) => ({
    id, type: 'navien-account', name: 'home', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile, readOnly: false, ...extra,
  });
  const statusOf = (accountId: string) => ({
    id: `st-${accountId}`, type: 'navien-status', account: accountId, device: MAC, unit: 'C', interval: '0', output: 'all', wires: [[]],
  });
  const good = (id: string) => ({ [id]: { email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD } });
  const foreignEndpoints = () => ({ apiUrl: foreign.apiUrl, iotEndpoint: foreign.iotEndpoint, caFile: foreign.caFile });

  describe('POST /navien-account/devices', () => {
    it('never sends a stored password to endpoints taken from the request body', async () => {
      await helper.load([accountNode], [account('acc1')], good('acc1'));
      const atForeign = signInAttempts(foreign);
      const atCloud = signInAttempts(sim);
      try {
        const res = await helper.request().post('/navien-account/devices')
          .send({ id: 'acc1', email: '', password: '__PWRD__', ...foreignEndpoints() });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.match(res.body.error, /password/i, 'says that the password must be typed again');
        // Without the placeholder (an empty password means "the stored one" too).
        const empty = await helper.request().post('/navien-account/devices').send({ id: 'acc1', ...foreignEndpoints() });
        assert.equal(empty.status, 400);
        assert.equal(atForeign.count, 0, 'the foreign server received no sign-in');
        assert.equal(atCloud.count, 0, 'nothing was sent to the stored endpoints either: the request was refused');
      } finally {
        atForeign.stop();
        atCloud.stop();
      }
    });

    it('uses a stored password only with the account\'s stored endpoints and e-mail', async () => {
      await helper.load([accountNode], [account('acc1')], good('acc1'));
      const atCloud = signInAttempts(sim);
      try {
        // The editor sends the account's (unchanged) endpoints along: allowed, the stored ones are used.
        const same = await helper.request().post('/navien-account/devices')
          .send({ id: 'acc1', email: DEFAULT_EMAIL, password: '__PWRD__', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile })
          .expect(200);
        assert.deepEqual(same.body, [DEVICE]);
        // Endpoints left out: the stored ones (the list just read is answered again without a sign-in).
        await helper.request().post('/navien-account/devices').send({ id: 'acc1', password: '__PWRD__' }).expect(200);
        assert.equal(atCloud.count, 1);
        // Another e-mail with the stored password: that would try the password on someone else's account.
        const other = await helper.request().post('/navien-account/devices')
          .send({ id: 'acc1', email: 'someone-else@example.org', password: '__PWRD__' });
        assert.equal(other.status, 400);
        assert.equal(atCloud.count, 1, 'no sign-in for another e-mail with the stored password');
      } finally {
        atCloud.stop();
      }
    });

    it('uses stored credentials only of navien-account nodes', async () => {
      await helper.load([accountNode, otherConfigNode], [account('acc1'), { id: 'mqtt1', type: 'other-config' }], {
        ...good('acc1'),
        mqtt1: { user: DEFAULT_EMAIL, password: 'broker-secret' },
      });
      const atForeign = signInAttempts(foreign);
      const atCloud = signInAttempts(sim);
      try {
        for (const body of [
          { id: 'mqtt1', email: DEFAULT_EMAIL, password: '__PWRD__', ...foreignEndpoints() },
          { id: 'mqtt1', email: DEFAULT_EMAIL, password: '__PWRD__' },
        ]) {
          const res = await helper.request().post('/navien-account/devices').send(body);
          assert.equal(res.status, 400, JSON.stringify(res.body));
          assert.doesNotMatch(JSON.stringify(res.body), /broker-secret/);
        }
        assert.equal(atForeign.count + atCloud.count, 0, 'the other node\'s password was sent nowhere');
      } finally {
        atForeign.stop();
        atCloud.stop();
      }
    });

    it('lets a typed password go to endpoints from the body (the account dialog\'s "check sign-in")', async () => {
      await helper.load([accountNode], [account('acc1')], good('acc1'));
      const atForeign = signInAttempts(foreign);
      try {
        const res = await helper.request().post('/navien-account/devices')
          .send({ id: 'acc1', email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, ...foreignEndpoints() })
          .expect(200);
        assert.deepEqual(res.body, [DEVICE]);
        assert.equal(atForeign.count, 1);
      } finally {
        atForeign.stop();
      }
    });

    it('accepts JSON bodies only (415 for a form post, which any web page can make)', async () => {
      await helper.load([accountNode], [account('acc1')], good('acc1'));
      const atCloud = signInAttempts(sim);
      try {
        const form = new URLSearchParams({ id: 'acc1', email: DEFAULT_EMAIL, password: '__PWRD__' }).toString();
        const res = await helper.request().post('/navien-account/devices')
          .set('Content-Type', 'application/x-www-form-urlencoded').send(form);
        assert.equal(res.status, 415, JSON.stringify(res.body));
        assert.ok(typeof res.body.error === 'string' && res.body.error.length > 0);
        const text = await helper.request().post('/navien-account/devices')
          .set('Content-Type', 'text/plain').send(JSON.stringify({ id: 'acc1', password: '__PWRD__' }));
        assert.equal(text.status, 415);
        assert.equal(atCloud.count, 0);
      } finally {
        atCloud.stop();
      }
    });

    it('answers every unusable CA file alike (FIFO, /dev/zero, directory, 2 MB, missing, not PEM), never blocking the runtime', async () => {
      await helper.load([accountNode], [account('acc1')], good('acc1'));
      const dir = mkdtempSync(join(tmpdir(), 'navien-picker-ca-'));
      const notPem = join(dir, 'exists.txt');
      writeFileSync(notPem, 'not a certificate\n');
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const big = join(dir, 'big.pem');
      writeFileSync(big, readFileSync(sim.caFile, 'utf8') + 'x'.repeat(2 * 1024 * 1024));
      const answers = [];
      for (const caFile of [join(dir, 'missing.pem'), notPem, dir, fifo, '/dev/zero', big]) {
        // A read that blocked the event loop (a FIFO without a writer) would keep this timer from ever firing.
        let fired = false;
        const timer = setTimeout(() => (fired = true), 0);
        const res = await helper.request().post('/navien-account/devices')
          .send({ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, apiUrl: sim.apiUrl, caFile });
        clearTimeout(timer);
        assert.ok(fired, `the runtime kept running while ${caFile} was refused`);
        assert.equal(res.status, 400, `${caFile}: ${JSON.stringify(res.body)}`);
        assert.ok(!JSON.stringify(res.body).includes(dir), 'the answer does not repeat the path');
        assert.doesNotMatch(res.body.error, /ENOENT|EISDIR|EACCES|no PEM/);
        answers.push(res.body);
      }
      for (const answer of answers) assert.deepEqual(answer, answers[0], 'one text for every reason');
    });
  });

  describe('GET /navien-account/:id/devices', () => {
    it('answers a refused account with 401 and its stored reason, and never signs in again', async () => {
      const attempts = signInAttempts(sim);
      try {
        await helper.load([accountNode, statusNode], [account('acc1'), statusOf('acc1')], { acc1: { email: DEFAULT_EMAIL, password: 'wrong-password' } });
        const node = helper.getNode('acc1') as AccountLike;
        await waitFor(() => node.connection?.state.phase === 'invalid-credentials', 'the connection to be refused');
        assert.equal(attempts.count, 1);
        for (let i = 0; i < 5; i++) {
          const res = await helper.request().get('/navien-account/acc1/devices');
          assert.equal(res.status, 401, JSON.stringify(res.body));
          assert.ok(res.body.error.includes(node.connection?.state.error), `the stored reason in "${res.body.error}"`);
          assert.doesNotMatch(JSON.stringify(res.body), /wrong-password/);
        }
        // The account dialog's "check sign-in" with the stored password: the same answer.
        const post = await helper.request().post('/navien-account/devices').send({ id: 'acc1', password: '__PWRD__' });
        assert.equal(post.status, 401);
        await delay(300);
        assert.equal(attempts.count, 1, 'five dialog openings and a check caused no further sign-in');
      } finally {
        attempts.stop();
      }
    });

    it('an account no node uses signs in once; after a refusal it answers 401 without signing in', async () => {
      const attempts = signInAttempts(sim);
      try {
        await helper.load([accountNode], [account('acc1')], { acc1: { email: DEFAULT_EMAIL, password: 'wrong-password' } });
        for (let i = 0; i < 5; i++) {
          const res = await helper.request().get('/navien-account/acc1/devices');
          assert.equal(res.status, 401, JSON.stringify(res.body));
        }
        const post = await helper.request().post('/navien-account/devices').send({ id: 'acc1', password: '__PWRD__' });
        assert.equal(post.status, 401);
        assert.equal(attempts.count, 1, 'one refused sign-in, not six');
      } finally {
        attempts.stop();
      }
    });

    it('an account no node uses: 20 dialog openings, one sign-in', async () => {
      const attempts = signInAttempts(sim);
      try {
        await helper.load([accountNode], [account('acc1')], good('acc1'));
        for (let i = 0; i < 20; i++) {
          const res = await helper.request().get('/navien-account/acc1/devices');
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.deepEqual(res.body, [DEVICE]);
        }
        assert.equal(attempts.count, 1, 'the device list is kept for a few minutes');
      } finally {
        attempts.stop();
      }
    });

    it('a kept device list is never the answer for another password or other endpoints', async () => {
      const atCloud = signInAttempts(sim);
      const atForeign = signInAttempts(foreign);
      try {
        await helper.load([accountNode], [account('acc1')], good('acc1'));
        const endpoints = { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile };
        await helper.request().post('/navien-account/devices').send({ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, ...endpoints }).expect(200);
        const wrong = await helper.request().post('/navien-account/devices').send({ email: DEFAULT_EMAIL, password: 'another-password', ...endpoints });
        assert.equal(wrong.status, 401, 'another password signs in (and is refused) instead of getting the kept list');
        assert.equal(atCloud.count, 2);
        await helper.request().post('/navien-account/devices').send({ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, ...foreignEndpoints() }).expect(200);
        assert.equal(atForeign.count, 1, 'other endpoints are asked themselves');
      } finally {
        atCloud.stop();
        atForeign.stop();
      }
    });

    it('signs in at the account\'s configured endpoints, at most once at a time', async () => {
      const attempts = signInAttempts(sim);
      try {
        await helper.load([accountNode], [account('acc1')], good('acc1'));
        sim.delayRest(300);
        const answers = await Promise.all(Array.from({ length: 5 }, () => helper.request().get('/navien-account/acc1/devices')));
        for (const res of answers) {
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.deepEqual(res.body, [DEVICE]);
        }
        assert.equal(attempts.count, 1, 'five concurrent dialogs shared one sign-in');
      } finally {
        attempts.stop();
      }
    });

    it('answers from the live connection, also while it is still connecting', async () => {
      const attempts = signInAttempts(sim);
      try {
        sim.delayRest(1_500);
        await helper.load([accountNode, statusNode], [account('acc1'), statusOf('acc1')], good('acc1'));
        const res = await helper.request().get('/navien-account/acc1/devices');
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.map((d: { mac: string }) => d.mac), [MAC]);
        sim.delayRest(0);
        const node = helper.getNode('acc1') as AccountLike;
        await waitFor(() => node.connection?.state.phase === 'connected', 'connected');
        await helper.request().get('/navien-account/acc1/devices').expect(200);
        assert.equal(attempts.count, 1, 'only the connection signed in');
      } finally {
        attempts.stop();
      }
    });

    it('answers 404 for ids that are not navien-account nodes', async () => {
      await helper.load([accountNode, statusNode, otherConfigNode], [account('acc1'), statusOf('acc1'), { id: 'mqtt1', type: 'other-config' }], {
        ...good('acc1'),
        mqtt1: { user: DEFAULT_EMAIL, password: DEFAULT_PASSWORD },
      });
      const node = helper.getNode('acc1') as AccountLike;
      await waitFor(() => node.connection?.state.phase === 'connected', 'the account connected');
      const attempts = signInAttempts(sim);
      try {
        await helper.request().get('/navien-account/mqtt1/devices').expect(404);
        await helper.request().get('/navien-account/st-acc1/devices').expect(404);
        assert.equal(attempts.count, 0);
      } finally {
        attempts.stop();
      }
    });
  });
});
