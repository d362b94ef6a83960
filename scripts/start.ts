/**
 * `npm start`: a local Node-RED with this package, FlowFuse Dashboard 2.0 and two example flows already deployed:
 * 01 (the status in the debug sidebar) and 10 (the water heater dashboard at /dashboard).
 * Without NAVIEN_EMAIL / NAVIEN_PASSWORD it starts the NaviLink simulator and points the flows at it;
 * with them it uses the real cloud. Credentials travel in the admin API's deploy body, as the editor
 * sends them, and end up in Node-RED's encrypted credential store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARD_PATH, FlowNode, NodeRedProcess, prepareUserDir, repoRoot, withoutNpmVars } from '../tools/node-red-launcher';
import { NavilinkSimulator } from '../tools/simulator/simulator';

const repo = repoRoot();
/** Kept across runs (flows, encrypted credentials and the settings.js holding their key). */
const userDir = join(repo, '.node-red-dev');
const port = Number(process.env.PORT ?? 1880);
const SIM_EMAIL = 'user@example.com';
const SIM_PASSWORD = 'example-password';
const EXAMPLE = '01 Monitor the tank';
const DASHBOARD_EXAMPLE = '10 Water heater dashboard';

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
  // The checkout and Dashboard 2.0 (a dev dependency: `npm install` put it into node_modules, so nothing is fetched
  // now) linked into node_modules the way `npm install <dir>` would; an existing settings.js is kept.
  prepareUserDir(userDir, { linkPackage: repo, dashboard: true, keepSettings: true });
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

  const email = useCloud ? process.env.NAVIEN_EMAIL ?? '' : SIM_EMAIL;
  const password = useCloud ? process.env.NAVIEN_PASSWORD ?? '' : SIM_PASSWORD;
  await deployExamples(nodeRed, email, password);
  process.stdout.write(`\nNode-RED editor: ${nodeRed.url('/')}  (${useCloud ? 'NaviLink cloud' : 'simulator account ' + SIM_EMAIL})\n`);
  process.stdout.write(`Dashboard:       ${nodeRed.url(DASHBOARD_PATH)}\n`);
}

function readExample(name: string): FlowNode[] {
  return JSON.parse(readFileSync(join(repo, 'examples', `${name}.json`), 'utf8')) as FlowNode[];
}

/**
 * Deploys what the user directory lacks: example 01 with the account's credentials when there is no navien account
 * yet, and example 10 beside it (on that same account, so one connection serves both) when there is no dashboard
 * (ui-base) yet. Flows the user made or changed stay as they are.
 */
async function deployExamples(nodeRed: NodeRedProcess, email: string, password: string): Promise<void> {
  const current = await nodeRed.getJson<FlowNode[]>('/flows');
  let flow: FlowNode[] = Array.isArray(current) ? current : [];
  const before = flow.length;
  let account = flow.find((n) => n.type === 'navien-account');
  if (!account) {
    const example = readExample(EXAMPLE).map((node) => (node.type === 'navien-account' ? { ...node, credentials: { email, password } } : node));
    account = example.find((n) => n.type === 'navien-account');
    flow = [...flow, ...example];
  }
  if (!flow.some((n) => n.type === 'ui-base') && account) {
    const accountId = account.id;
    // The example's own account node is left out: its nodes use the account already there.
    const dashboard = readExample(DASHBOARD_EXAMPLE)
      .filter((node) => node.type !== 'navien-account')
      .map((node) => ('account' in node ? { ...node, account: accountId } : node));
    flow = [...flow, ...dashboard];
  }
  if (flow.length !== before) {
    try {
      await nodeRed.deploy(flow);
    } catch (err) {
      throw new Error(`deploying the example flows failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}

main().catch((err) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
