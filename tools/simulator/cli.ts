// Command line: node build/tools/simulator/cli.js [--port-rest N] [--port-mqtt N] [--speed X] [--cert-dir DIR]
// Starts the simulator on fixed ports and prints the settings a client needs.
import * as path from 'node:path';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from './simulator';

const USAGE = 'usage: cli.js [--port-rest N] [--port-mqtt N] [--speed X] [--cert-dir DIR]';

// build/tools/simulator/cli.js -> repository root
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

function parseArgs(argv: string[]): { restPort: number; mqttPort: number; speed: number; certDir: string } {
  const out = { restPort: 18443, mqttPort: 18883, speed: 1, certDir: path.join(REPO_ROOT, '.navien-sim') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    const num = (): number => {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${arg} needs a non-negative number\n${USAGE}`);
      i++;
      return n;
    };
    if (arg === '--port-rest') out.restPort = num();
    else if (arg === '--port-mqtt') out.mqttPort = num();
    else if (arg === '--speed') out.speed = num();
    else if (arg === '--cert-dir' && value) {
      out.certDir = path.resolve(value);
      i++;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sim = await NavilinkSimulator.start({ restPort: args.restPort, mqttPort: args.mqttPort, speed: args.speed, certDir: args.certDir });
  sim.on('connect', (e) => console.log(`[mqtt] connect ${e.clientId}`));
  sim.on('disconnect', (e) => console.log(`[mqtt] disconnect ${e.clientId}`));
  sim.on('rejected', (e) => console.log(`[mqtt] upgrade refused: ${e.reason}`));
  sim.on('rest', (e) => console.log(`[rest] ${e.method} ${e.path} -> ${e.status}`));
  sim.on('request', (r) => console.log(`[device ${r.mac}] ${r.topic} ${r.mode ?? r.command ?? ''} ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`));

  console.log(`NAVIEN_API_URL=${sim.apiUrl}`);
  console.log(`NAVIEN_IOT_ENDPOINT=${sim.iotEndpoint}`);
  console.log(`NAVIEN_CA_FILE=${sim.caFile}`);
  console.log(`# test account: ${DEFAULT_EMAIL} / ${DEFAULT_PASSWORD} (device 0a1b2c3d4e5f, speed ${args.speed}); Ctrl+C to stop`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`# ${signal}: stopping`);
    sim.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
