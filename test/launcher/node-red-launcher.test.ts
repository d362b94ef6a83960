/**
 * The launcher every harness starts Node-RED with (tools/node-red-launcher): what it promises CI is that a hang fails
 * within a bound instead of stalling the run, and that the settings it writes are the ones Node-RED runs with.
 * A stand-in for Node-RED (a few lines of node: answers GET /settings, logs "Started flows", ignores SIGTERM) shows
 * the bounds; a real Node-RED shows the settings.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARD_PACKAGE, NodeRedProcess, localRuntime, prepareUserDir, runCommand } from '../../tools/node-red-launcher';

/** Node-RED's start-up as the launcher sees it, then deaf to SIGTERM (as a Node-RED stuck closing a flow). */
const STUBBORN = `
const http = require('node:http');
const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
http.createServer((req, res) => res.end('{}')).listen(port, '127.0.0.1', () => console.log('[info] Started flows'));
`;

describe('node-red-launcher', function () {
  let work = '';

  beforeEach(function () {
    work = mkdtempSync(join(tmpdir(), 'navien-launcher-'));
  });

  afterEach(function () {
    rmSync(work, { recursive: true, force: true });
  });

  it('fails a command that outlives its time limit, with its output, and leaves no process behind', async function () {
    const started = Date.now();
    const err = await runCommand(process.execPath, ['-e', 'console.log("working as", process.pid); setInterval(() => {}, 1000)'], { cwd: work, timeoutMs: 1_000 }).then(
      () => assert.fail('the hanging command resolved'),
      (e: Error) => e,
    );
    const match = /did not finish within 1000 ms and was killed\nworking as (\d+)/.exec(err.message);
    assert.ok(match, err.message);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    assert.throws(() => process.kill(Number(match[1]), 0), { code: 'ESRCH' }, 'the command is still running');
  });

  it('rejects with the output of a command that fails', async function () {
    await assert.rejects(runCommand(process.execPath, ['-e', 'console.error("no such tarball"); process.exit(3)'], { cwd: work, timeoutMs: 10_000 }), /exited with 3\nno such tarball/);
  });

  it('kills a Node-RED that ignores SIGTERM once the grace time is over', async function () {
    const stub = join(work, 'stubborn-red.js');
    writeFileSync(stub, STUBBORN);
    const red = await NodeRedProcess.start({ runtime: { ...localRuntime(), redJs: stub }, userDir: prepareUserDir(join(work, 'userdir')) });
    const stopped = await red.stop({ graceMs: 1_000 });
    assert.equal(stopped.killed, true);
    assert.equal(stopped.signal, 'SIGKILL');
    assert.ok(stopped.ms < 3_000, `stop took ${stopped.ms} ms`);
    assert.match(red.log, /ignoring SIGTERM/);
    assert.equal(red.running, false);
  });

  it('rejects, with the output, when Node-RED exits during start-up', async function () {
    const stub = join(work, 'failing-red.js');
    writeFileSync(stub, 'console.error("Error: port in use"); process.exit(1);');
    await assert.rejects(
      NodeRedProcess.start({ runtime: { ...localRuntime(), redJs: stub }, userDir: prepareUserDir(join(work, 'userdir')), readyTimeoutMs: 20_000 }),
      /Node-RED exited during start-up \(1\)\n--- Node-RED output ---\nError: port in use/,
    );
  });

  it("rejects at once when the runtime's Node cannot be started", async function () {
    const missing = join(work, 'no-such-node');
    await assert.rejects(
      NodeRedProcess.start({ runtime: { ...localRuntime(), node: missing }, userDir: prepareUserDir(join(work, 'userdir')), readyTimeoutMs: 20_000 }),
      new RegExp(`Node-RED exited during start-up[\\s\\S]*could not start ${missing}`),
    );
  });

  it('starts a real Node-RED on the settings it wrote (the context store asked for) and stops it with SIGTERM', async function () {
    this.timeout(90_000);
    const userDir = prepareUserDir(join(work, 'userdir'), { settings: { contextStorage: { default: { module: 'localfilesystem' } } } });
    const red = await NodeRedProcess.start({ userDir });
    try {
      assert.match(red.log, /Settings file\s*: .*userdir[/\\]settings\.js/);
      assert.match(red.log, /Context store\s*: 'default' \[module=localfilesystem\]/);
    } finally {
      const stopped = await red.stop();
      assert.equal(stopped.killed, false, 'Node-RED did not stop on SIGTERM within the grace time');
    }
  });

  it("loads FlowFuse Dashboard 2.0 only into a user directory that asks for it, though the checkout's node_modules holds it", async function () {
    this.timeout(90_000);
    const modulesOf = async (userDir: string): Promise<string[]> => {
      const red = await NodeRedProcess.start({ userDir });
      try {
        return (await red.getJson<Array<{ module: string }>>('/nodes')).map((s) => s.module);
      } finally {
        await red.stop();
      }
    };
    // Node-RED loads node packages from every node_modules above its own: without the deny list it would find the
    // dev dependency in the checkout's node_modules.
    assert.ok(!(await modulesOf(prepareUserDir(join(work, 'plain')))).includes(DASHBOARD_PACKAGE), 'a plain user directory got Dashboard 2.0');
    assert.ok((await modulesOf(prepareUserDir(join(work, 'with-dashboard'), { dashboard: true }))).includes(DASHBOARD_PACKAGE), 'dashboard: true did not load it');
  });
});
