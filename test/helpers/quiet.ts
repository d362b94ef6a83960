// Positive signals to wait for before asserting that something did NOT happen: a fixed sleep proves nothing on a slow
// machine, these prove that the thing would have happened by the time they resolve.
import { createServer } from 'node:net';
import { AccountConnection, ConnectionState } from '../../src/shared/connection';
import type { BackoffPolicy } from '../../src/shared/connection/backoff';
import { nextEvent } from './wait';

/** A local TCP port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Resolves once a connection with the same backoff policy, whose every attempt fails at once (its cloud is a closed
 * port), has started its `retries`-th retry. A connection under test that stopped at the same moment and did not retry
 * by then never will: with jitter up to 0.5, two retries of the witness take longer than one of any connection.
 */
export async function backoffElapsed(backoff: BackoffPolicy, retries = 2): Promise<void> {
  const witness = new AccountConnection({
    email: 'witness@example.com',
    password: 'witness-password',
    clientId: `navien-backoff-witness-${process.pid}`,
    endpoints: { apiUrl: `https://localhost:${await closedPort()}/api/v2.1`, iotEndpoint: 'localhost:1' },
    backoff,
  });
  try {
    const retried = nextEvent<[ConnectionState]>(witness, 'state', (s) => s.phase === 'reconnecting' && s.attempt === retries && s.retryInMs === undefined, 60_000);
    witness.start();
    await retried;
  } finally {
    await witness.close();
  }
}

/**
 * Runs `body` and returns the unhandled rejections it left behind. Node reports unhandled rejections in the order they
 * happened, so once a sentinel rejected after `body` has been reported, every earlier one has been reported too.
 */
export async function unhandledRejectionsOf(body: () => Promise<void>): Promise<unknown[]> {
  const seen = new Set<unknown>();
  const sentinel = new Error('sentinel: every earlier unhandled rejection has been reported');
  let sentinelReported: () => void = () => undefined;
  const reported = new Promise<void>((resolve) => (sentinelReported = resolve));
  // Mocha re-emits a rejection it traps, so one may arrive twice: a set keeps each once.
  const listener = (reason: unknown) => (reason === sentinel ? sentinelReported() : seen.add(reason));
  process.on('unhandledRejection', listener);
  try {
    await body();
    void Promise.reject(sentinel);
    await reported;
  } finally {
    process.off('unhandledRejection', listener);
  }
  return [...seen];
}
