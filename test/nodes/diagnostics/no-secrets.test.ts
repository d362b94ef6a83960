/**
 * The diagnostics node's event and report messages go wherever a flow sends them (dashboards, files, chat): like the
 * export, the `dropped`, `reconnected` and `report` messages carry no e-mail, password, token, AWS key or presigned
 * URL (real Node-RED via the test helper, real account connection, the simulator dropping the connection).
 */
import assert from 'node:assert/strict';
import type { Node, NodeMessage } from 'node-red';
import helper = require('node-red-node-test-helper');
import accountNode = require('../../../src/nodes/navien-account');
import diagnosticsNode = require('../../../src/nodes/navien-diagnostics');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD } from '../../../tools/simulator/simulator';
import { waitFor } from '../../helpers/wait';
import { useSimulator, useTestServer } from '../flow-helper';

helper.init(require.resolve('node-red'));

interface AccountLike extends Node {
  connection?: { state: { phase: string }; tokenKeeper: { tokens?: { accessToken: string; refreshToken: string } } };
}

describe('navien-diagnostics messages carry no secrets (test helper, simulator)', function () {
  this.timeout(60_000);
  const simulator = useSimulator({ speed: 0 });
  useTestServer();

  it('"dropped", "reconnected" and the periodic and requested "report" hold none of the account\'s secrets', async () => {
    const sim = simulator();
    await helper.load([accountNode, diagnosticsNode], [
      { id: 'acc', type: 'navien-account', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile },
      { id: 'dg', type: 'navien-diagnostics', account: 'acc', interval: 10, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ], { acc: { email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD } });
    const received: NodeMessage[] = [];
    (helper.getNode('out') as Node).on('input', (msg: NodeMessage) => received.push(msg));
    const account = helper.getNode('acc') as AccountLike;
    await waitFor(() => account.connection?.state.phase === 'connected', 'connected');
    const firstTokens = { ...account.connection?.tokenKeeper.tokens } as { accessToken: string; refreshToken: string };

    sim.dropAllConnections();
    const topic = (name: string) => `navien/diagnostics/${name}`;
    await waitFor(() => received.some((m) => m.topic === topic('reconnected')), 'a reconnected message');
    (helper.getNode('dg') as Node).receive({ payload: 'report' });
    await waitFor(() => received.filter((m) => m.topic === topic('report')).length >= 2, 'a requested and a periodic report', 20_000);
    for (const name of ['dropped', 'reconnected', 'report']) assert.ok(received.some((m) => m.topic === topic(name)), `a ${name} message`);

    const tokens = account.connection?.tokenKeeper.tokens as { accessToken: string; refreshToken: string };
    const secrets = [DEFAULT_EMAIL, DEFAULT_PASSWORD, firstTokens.accessToken, firstTokens.refreshToken, tokens.accessToken, tokens.refreshToken];
    for (const aws of sim.issuedCredentials()) secrets.push(aws.accessKeyId, aws.secretKey, aws.sessionToken);
    assert.ok(secrets.every((s) => typeof s === 'string' && s.length >= 8), 'the secrets to look for are real');
    const text = JSON.stringify(received);
    for (const secret of secrets) assert.ok(!text.includes(secret), `a diagnostics message contains a secret (${secret.slice(0, 4)}...)`);
    assert.doesNotMatch(text, /x-amz|presigned|wss:\/\//i);
    assert.doesNotMatch(text, /example\.com|password/i);
  });
});
