import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCerts } from '../../tools/simulator/certs';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import { call } from './helpers';

function run(args: string[], timeoutMs: number, untilLine?: RegExp): Promise<{ code: number | null; out: string; timedOut: boolean; child: ReturnType<typeof spawn> }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (code: number | null, timedOut: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, out, timedOut, child });
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (untilLine && untilLine.test(out)) finish(null, false);
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => finish(code, false));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(null, true);
    }, timeoutMs);
  });
}

describe('simulator lifecycle', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'navien-sim-test-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('generates a CA and a localhost certificate once and reuses them', () => {
    const dir = path.join(tmp, 'certs');
    const first = ensureCerts(dir);
    assert.match(first.ca, /BEGIN CERTIFICATE/);
    const second = ensureCerts(dir);
    assert.equal(second.cert, first.cert);
    fs.writeFileSync(first.certFile, 'garbage');
    const third = ensureCerts(dir);
    assert.notEqual(third.cert, first.cert);
    assert.match(fs.readFileSync(third.caFile, 'utf8'), /BEGIN CERTIFICATE/);
  });

  it('stop() leaves no handles: a process that used everything exits by itself', async () => {
    const script = path.join(__dirname, 'support', 'stop-child.js');
    const r = await run([script, path.join(tmp, 'child-certs')], 30000);
    assert.equal(r.timedOut, false, `child did not exit:\n${r.out}`);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /DONE/);
  });

  it('the CLI prints the client settings and stops on SIGTERM', async () => {
    const cli = path.join(__dirname, '..', '..', 'tools', 'simulator', 'cli.js');
    const r = await run([cli, '--port-rest', '0', '--port-mqtt', '0', '--speed', '60', '--cert-dir', path.join(tmp, 'cli-certs')], 20000, /NAVIEN_CA_FILE=.*\n/);
    assert.equal(r.timedOut, false, r.out);
    const apiUrl = /NAVIEN_API_URL=(\S+)/.exec(r.out)?.[1];
    const caFile = /NAVIEN_CA_FILE=(\S+)/.exec(r.out)?.[1];
    assert.match(r.out, /NAVIEN_IOT_ENDPOINT=localhost:\d+/);
    assert.ok(apiUrl && caFile);
    const signIn = await call(caFile, `${apiUrl}/user/sign-in`, 'POST', { userId: 'user@example.com', password: 'example-password' });
    assert.equal(signIn.body.code, 200);
    const exited = new Promise<number | null>((resolve) => r.child.on('exit', (code) => resolve(code)));
    r.child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it('refuses duplicate device MACs and an unknown device accessor', async () => {
    await assert.rejects(
      NavilinkSimulator.start({ accounts: [{ email: 'a@example.com', password: 'x', devices: [{}, {}] }] }),
      /duplicate device MAC/,
    );
    const sim = await NavilinkSimulator.start({ speed: 0 });
    try {
      assert.throws(() => sim.device('ffffffffffff'));
    } finally {
      await sim.stop();
    }
  });
});
