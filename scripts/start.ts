/**
 * `npm start`: a local Node-RED with this package and an example flow already deployed.
 * Without NAVIEN_EMAIL / NAVIEN_PASSWORD it starts the NaviLink simulator and points the flow at it;
 * with them it uses the real cloud. Credentials travel in the admin API's deploy body, as the editor
 * sends them, and end up in Node-RED's encrypted credential store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowNode, NodeRedProcess, prepareUserDir, repoRoot, withoutNpmVars } from '../tools/node-red-launcher';
import { NavilinkSimulator } from '../tools/simulator/simulator';

const repo = repoRoot();
/** Kept across runs (flows, encrypted credentials and the settings.js holding their key). */
const userDir = join(repo, '.node-red-dev');
const port = Number(process.env.PORT ?? 1880);
const SIM_EMAIL = 'user@example.com';
const SIM_PASSWORD = 'example-password';
const EXAMPLE = '01 Monitor the tank';

async function main(): Promise<void> {
  const useCloud = Boolean(process.env.NAVIEN_EMAIL && process.env.NAVIEN_PASSWORD);
  let simulator: NavilinkSimulator | undefined;
  // The user's NAVIEN_* settings stay (e.g. NAVIEN_MQTT_TRANSPORT); only npm's own variables are left out.
  const env = withoutNpmVars();
  if (!useCloud) {
    simulator = await NavilinkSimulator.start({ restPort: 18443, mqttPort: 18883, certDir: join(repo, '.navien-sim') });
    env.NAVIEN_API_URL = simulator.apiUrl;
    env.NAVIEN_IOT_ENDPOINT = simulator.iotEndpoint;
    env.NAVIEN_CA_FILE = simulator.caFile;
    process.stdout.write(`NaviLink simulator: REST ${simulator.apiUrl}, MQTT wss://${simulator.iotEndpoint}/mqtt\n`);
  }
  // The checkout linked into node_modules the way `npm install <dir>` would; an existing settings.js is kept.
  prepareUserDir(userDir, { linkPackage: repo, keepSettings: true });
  let nodeRed: NodeRedProcess;
  try {
    nodeRed = await NodeRedProcess.start({ userDir, port, env, echo: true });
  } catch (err) {
    await simulator?.stop();
    throw err;
  }

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await nodeRed.stop();
    await simulator?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  void nodeRed.exited.then(({ code }) => stop(code ?? 1));

  await deployExampleIfEmpty(nodeRed, useCloud ? process.env.NAVIEN_EMAIL ?? '' : SIM_EMAIL, useCloud ? process.env.NAVIEN_PASSWORD ?? '' : SIM_PASSWORD);
  process.stdout.write(`\nNode-RED editor: ${nodeRed.url('/')}  (${useCloud ? 'NaviLink cloud' : 'simulator account ' + SIM_EMAIL})\n`);
}

/** Deploys example 01 with the account's credentials, unless the user directory already has a navien account. */
async function deployExampleIfEmpty(nodeRed: NodeRedProcess, email: string, password: string): Promise<void> {
  const current = await nodeRed.getJson<unknown>('/flows');
  if (Array.isArray(current) && current.some((n) => (n as { type?: string }).type === 'navien-account')) return;
  const example = JSON.parse(readFileSync(join(repo, 'examples', `${EXAMPLE}.json`), 'utf8')) as FlowNode[];
  const flow = example.map((node) => (node.type === 'navien-account' ? { ...node, credentials: { email, password } } : node));
  try {
    await nodeRed.deploy(flow);
  } catch (err) {
    throw new Error(`deploying the example flow failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

main().catch((err) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
