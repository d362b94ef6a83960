/**
 * `npm start`: a local Node-RED with this package and an example flow already deployed.
 * Without NAVIEN_EMAIL / NAVIEN_PASSWORD it starts the NaviLink simulator and points the flow at it;
 * with them it uses the real cloud. Credentials travel in the admin API's deploy body, as the editor
 * sends them, and end up in Node-RED's encrypted credential store.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NavilinkSimulator } from '../tools/simulator/simulator';

const repo = resolve(__dirname, '..', '..');
const userDir = join(repo, '.node-red-dev');
const port = Number(process.env.PORT ?? 1880);
const SIM_EMAIL = 'user@example.com';
const SIM_PASSWORD = 'example-password';

async function main(): Promise<void> {
  const useCloud = Boolean(process.env.NAVIEN_EMAIL && process.env.NAVIEN_PASSWORD);
  let simulator: NavilinkSimulator | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!useCloud) {
    simulator = await NavilinkSimulator.start({ restPort: 18443, mqttPort: 18883, certDir: join(repo, '.navien-sim') });
    env.NAVIEN_API_URL = simulator.apiUrl;
    env.NAVIEN_IOT_ENDPOINT = simulator.iotEndpoint;
    env.NAVIEN_CA_FILE = simulator.caFile;
    process.stdout.write(`NaviLink simulator: REST ${simulator.apiUrl}, MQTT wss://${simulator.iotEndpoint}/mqtt\n`);
  }
  prepareUserDir();
  const nodeRed = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async () => {
    nodeRed.kill('SIGINT');
    await new Promise((r) => nodeRed.once('exit', r));
    await simulator?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  nodeRed.once('exit', (code) => {
    void simulator?.stop().then(() => process.exit(code ?? 1));
  });

  await waitForEditor(nodeRed);
  await deployExampleIfEmpty(useCloud ? process.env.NAVIEN_EMAIL ?? '' : SIM_EMAIL, useCloud ? process.env.NAVIEN_PASSWORD ?? '' : SIM_PASSWORD);
  process.stdout.write(`\nNode-RED editor: http://127.0.0.1:${port}/  (${useCloud ? 'NaviLink cloud' : 'simulator account ' + SIM_EMAIL})\n`);
}

/** A user directory whose node_modules links to this checkout, the way `npm install <dir>` would. */
function prepareUserDir(): void {
  mkdirSync(join(userDir, 'node_modules'), { recursive: true });
  const link = join(userDir, 'node_modules', 'node-red-contrib-navien');
  if (!existsSync(link) && !isLink(link)) symlinkSync(repo, link, 'dir');
  const settings = join(userDir, 'settings.js');
  if (!existsSync(settings)) {
    const secret = randomBytes(24).toString('hex');
    writeFileSync(settings, `module.exports = {\n  flowFile: 'flows.json',\n  credentialSecret: '${secret}',\n  uiHost: '127.0.0.1',\n  editorTheme: { tours: false },\n};\n`);
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

async function waitForEditor(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('Node-RED exited during start-up');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/settings`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('Node-RED did not start within 60 s');
}

async function deployExampleIfEmpty(email: string, password: string): Promise<void> {
  const current = (await (await fetch(`http://127.0.0.1:${port}/flows`)).json()) as unknown[];
  if (Array.isArray(current) && current.some((n) => (n as { type?: string }).type === 'navien-account')) return;
  const example = JSON.parse(readFileSync(join(repo, 'examples', '01 Monitor the tank.json'), 'utf8')) as Record<string, unknown>[];
  const flow = example.map((node) => (node.type === 'navien-account' ? { ...node, credentials: { email, password } } : node));
  const res = await fetch(`http://127.0.0.1:${port}/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
    body: JSON.stringify(flow),
  });
  if (!res.ok) throw new Error(`deploying the example flow failed: HTTP ${res.status} ${await res.text()}`);
}

main().catch((err) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
