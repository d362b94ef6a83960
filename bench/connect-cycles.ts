/**
 * Child process of bench/connects.ts: signs in once, then opens and closes `cycles` MQTT sessions with one transport
 * (the package's own transports through openMqttSession, as AccountConnection opens them; the CA file set, so the
 * extra trust store is in play) and reports memory after forced collections before and after. Run with --expose-gc.
 *
 * Input: BENCH_CONNECTS = JSON {apiUrl, iotEndpoint, caFile, transport: 'native' | 'js', cycles, warmup}.
 * Output: one JSON line {before, after, msPerCycle} (memory in bytes).
 */
import { loadEndpoints } from '../src/shared/endpoints';
import { NavilinkRestClient } from '../src/shared/rest-client';
import { openMqttSession } from '../src/shared/transport-select';

interface Input {
  apiUrl: string;
  iotEndpoint: string;
  caFile: string;
  transport: 'native' | 'js';
  cycles: number;
  warmup: number;
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

async function settledMemory(): Promise<Memory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  // Native resources are released by finalizers that run after a collection; give them a few turns.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_CONNECTS ?? '{}') as Input;
  const env = { ...process.env, NAVIEN_MQTT_TRANSPORT: input.transport };
  const endpoints = await loadEndpoints({ apiUrl: input.apiUrl, iotEndpoint: input.iotEndpoint, caFile: input.caFile }, {});
  const tokens = await new NavilinkRestClient(endpoints).signIn('user@example.com', 'example-password');
  let n = 0;
  const cycle = async () => {
    const { session, transport } = await openMqttSession(
      { endpoints, credentials: tokens.aws, clientId: `navien-bench-cycles-${process.pid}-${n++}`, keepAliveSeconds: 60, operationTimeoutMs: 10_000 },
      env,
    );
    if (transport !== input.transport) throw new Error(`asked for the ${input.transport} transport, got ${transport}`);
    await session.close();
  };
  for (let i = 0; i < input.warmup; i++) await cycle();
  const before = await settledMemory();
  const t0 = performance.now();
  for (let i = 0; i < input.cycles; i++) await cycle();
  const msPerCycle = (performance.now() - t0) / input.cycles;
  const after = await settledMemory();
  process.stdout.write(`${JSON.stringify({ before, after, msPerCycle })}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`connect cycles failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
