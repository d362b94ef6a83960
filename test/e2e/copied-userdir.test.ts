/**
 * A restored backup or a staging copy: two real Node-RED processes started from one copied user directory (same
 * flows, same credentials, same files of ours) against the simulator, whose broker kicks a duplicate client id off
 * like AWS IoT does. Both must keep emitting statuses for 2 minutes without knocking each other off the broker.
 * (Packed and installed package, harness of test/e2e; one runtime: client ids do not depend on the runtime.)
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import { MAC, NodeRedProcess, PackedInstall, RUNTIMES, RUNTIME_SETUP_TIMEOUT_MS, delay, extraUserDir, packedInstall, waitFor } from './harness';
import { readStatusLines, statusFlow, waitForGoodStatus } from './status-flow';

const RUN_MS = 2 * 60_000;
const PUSH_EVERY_MS = 10_000;
/** A pushed status reaches a connected flow in milliseconds; this only absorbs a loaded machine. */
const PUSH_ARRIVES_MS = 8_000;
/** Relative: each process writes into its own user directory (its working directory). */
const OUT_FILE = 'status.jsonl';

const rt = RUNTIMES[0];

function startNodeRed(install: PackedInstall, userDir: string): Promise<NodeRedProcess> {
  return NodeRedProcess.start({ runtime: install.runtime, userDir });
}

describe(`two Node-RED processes from one copied user directory (${rt.name}, packed install, simulator)`, function () {
  this.timeout(RUN_MS + 3 * 60_000);
  let sim: NavilinkSimulator;
  const processes: NodeRedProcess[] = [];

  before(async function () {
    this.timeout(RUNTIME_SETUP_TIMEOUT_MS);
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await sim?.stop();
  });

  it('both keep emitting statuses for 2 minutes and neither is kicked off the broker', async function () {
    this.timeout(RUNTIME_SETUP_TIMEOUT_MS);
    const install = await packedInstall(rt.key);
    const original = extraUserDir(install, 'copied-original');
    const endpoints = { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile };

    // A user directory that has been in use: deployed, connected, stopped (whatever we keep in it now exists).
    const first = await startNodeRed(install, original);
    processes.push(first);
    await first.deploy(statusFlow('copied', OUT_FILE, endpoints));
    await waitForGoodStatus(join(original, OUT_FILE));
    const stopped = await first.interrupt();
    assert.equal(stopped.code, 0, `Node-RED exit: ${JSON.stringify(stopped)}\n${first.log}`);
    processes.splice(processes.indexOf(first), 1);

    const copy = join(install.work, 'copied-copy');
    cpSync(original, copy, { recursive: true, verbatimSymlinks: true });
    assert.ok(existsSync(join(copy, 'flows_cred.json')), 'the copy holds the encrypted credentials');

    const connects: string[] = [];
    sim.on('connect', (e: { clientId: string }) => connects.push(e.clientId));
    const [a, b] = await Promise.all([startNodeRed(install, original), startNodeRed(install, copy)]);
    processes.push(a, b);
    const dirs = [original, copy];
    const seen = () => dirs.map((dir) => readStatusLines(join(dir, OUT_FILE)));
    await waitFor(() => (connects.length >= 2 && seen().every((lines) => lines.length > 0) ? true : undefined), 'both processes connected', 60_000);
    await delay(2_000);
    const ours = [...new Set(connects)];
    assert.equal(ours.length, 2, `two processes, two client ids: ${JSON.stringify(connects)}`);
    const connectsBefore = connects.length;

    // Every 10 s the heater changes its tank charge (a push); both flows must emit it.
    const started = Date.now();
    for (let charge = 20; Date.now() - started < RUN_MS; charge++) {
      const round = Date.now();
      sim.device(MAC).setStatus({ dhwChargePer: charge }, true);
      await waitFor(
        () => (seen().every((lines) => lines.some((l) => l.payload.tankCharge === charge)) ? true : undefined),
        `both processes to emit the pushed tank charge ${charge} (${Math.round((round - started) / 1000)} s in; ` +
          `emitted: ${seen().map((lines) => lines.length).join(' / ')} lines; broker connects since start: ${connects.length - connectsBefore})`,
        PUSH_ARRIVES_MS,
      );
      await delay(Math.max(0, PUSH_EVERY_MS - (Date.now() - round)));
    }
    assert.deepEqual(connects.slice(connectsBefore), [], 'no process had to connect again: nobody was kicked off');
    assert.deepEqual(sim.connectedClientIds().filter((id) => ours.includes(id)).sort(), [...ours].sort(), 'both still connected');
    for (const p of [a, b]) assert.deepEqual(p.navienErrors(), [], `errors in ${p.url('')}'s log`);
  });
});
