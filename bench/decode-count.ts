/**
 * Instruction counts of the decode path, for a machine too busy for timings: the floor (toString + JSON.parse) or the
 * decode path of bench/throughput.ts over `n` status payloads after a 20,000-message warm-up, under valgrind:
 *
 *   for m in floor path; do for n in 0 40000; do
 *     valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=cg.$m.$n node build/bench/decode-count.js $m $n
 *   done; done
 *
 * (instructions of `n` = 40000 minus those of 0) / 40000 is the steady-state count per message; the share of the
 * floor is floor / path. Run from the repository root (the Node-RED test helper looks for node-red from there).
 */
import { decodePath, payloads } from './throughput';

async function main(): Promise<void> {
  const [mode, count] = process.argv.slice(2);
  if (mode !== 'floor' && mode !== 'path') throw new Error('usage: decode-count.js floor|path <n>');
  const n = Number(count);
  const buffers = await payloads();
  let keep: unknown;
  const handle = mode === 'floor' ? (buf: Buffer) => void (keep = JSON.parse(buf.toString('utf8'))) : decodePath('F', (msg) => void (keep = msg));
  for (let i = 0; i < 20_000; i++) handle(buffers[i & 255]);
  for (let i = 0; i < n; i++) handle(buffers[i & 255]);
  void keep;
  process.stdout.write(`${mode} ${n}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
