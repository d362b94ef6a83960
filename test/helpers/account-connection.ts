// One set-up for every suite that drives a real AccountConnection against the simulator, on a transport of its choice.
import assert from 'node:assert/strict';
import { AccountConnection, AccountConnectionOptions, ConnectionPhase, ConnectionState } from '../../src/shared/connection';
import type { TransportKind } from '../../src/shared/transport-select';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator, SimulatorOptions } from '../../tools/simulator/simulator';
import { nextEvent, waitFor } from './wait';

export const MAC = '0a1b2c3d4e5f';
export const FAST_BACKOFF = { initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.2, deepReconnectAfter: 5 };

/** Both MQTT transports, each named the way a suite title states what it proves. */
export const TRANSPORTS: ReadonlyArray<{ kind: TransportKind; name: string }> = [
  { kind: 'native', name: 'real aws-iot-device-sdk-v2' },
  { kind: 'js', name: 'pure-JavaScript MQTT transport' },
];

/**
 * Forces NAVIEN_MQTT_TRANSPORT for the enclosing describe and puts the old value back after it. `native` makes a
 * machine without a loadable SDK fail the suite (sdk-unavailable) instead of quietly running it on the JS client.
 */
export function useTransport(kind: TransportKind): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.NAVIEN_MQTT_TRANSPORT;
    process.env.NAVIEN_MQTT_TRANSPORT = kind;
  });
  after(() => {
    if (saved === undefined) delete process.env.NAVIEN_MQTT_TRANSPORT;
    else process.env.NAVIEN_MQTT_TRANSPORT = saved;
  });
}

export interface ConnectionFixture {
  /** The suite's simulator (started in `before`). */
  readonly sim: NavilinkSimulator;
  /** A connection to the simulator, not started yet; closed after the test. */
  connect(overrides?: Partial<AccountConnectionOptions>): AccountConnection;
  /** Starts it and waits until it is subscribed, has read the feature record, and runs on the suite's transport. */
  ready(connection: AccountConnection): Promise<void>;
  /** connect() and ready() in one. */
  connected(overrides?: Partial<AccountConnectionOptions>): Promise<AccountConnection>;
}

export interface FixtureOptions {
  transport: TransportKind;
  /** Client ids are `<prefix>-<pid>-<n>`: unique per connection, so tests never kick each other off. */
  clientPrefix: string;
  simulator?: SimulatorOptions;
  /** Connection options every connect() starts from (the simulator's endpoints and account are always set). */
  defaults?: Partial<AccountConnectionOptions>;
}

/**
 * Registers the hooks of the calling describe: the transport, one simulator for the suite, and after each test every
 * connection closed and the broker listening again (a test that stopped it may have failed before restarting it).
 */
export function connectionFixture(options: FixtureOptions): ConnectionFixture {
  let sim: NavilinkSimulator | undefined;
  const open: AccountConnection[] = [];
  let counter = 0;
  useTransport(options.transport);
  before(async () => {
    sim = await NavilinkSimulator.start(options.simulator ?? { speed: 0 });
  });
  after(async () => {
    await sim?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await sim?.startBroker();
  });

  const fixture: ConnectionFixture = {
    get sim(): NavilinkSimulator {
      assert.ok(sim, 'the simulator starts in before()');
      return sim;
    },
    connect(overrides = {}) {
      const s = fixture.sim;
      const connection = new AccountConnection({
        email: DEFAULT_EMAIL,
        password: DEFAULT_PASSWORD,
        clientId: `${options.clientPrefix}-${process.pid}-${++counter}`,
        endpoints: { apiUrl: s.apiUrl, iotEndpoint: s.iotEndpoint, caFile: s.caFile },
        ...options.defaults,
        ...overrides,
      });
      open.push(connection);
      return connection;
    },
    async ready(connection) {
      const isReady = readyOrStopped(connection);
      connection.start();
      await isReady;
      await waitFor(() => connection.featuresOf(MAC), 'feature record');
      assert.equal(connection.transport, options.transport, 'the session runs on the transport under test');
    },
    async connected(overrides = {}) {
      const connection = fixture.connect(overrides);
      await fixture.ready(connection);
      return connection;
    },
  };
  return fixture;
}

/** Phases a connection does not leave by itself. */
const STOPPED: ReadonlySet<ConnectionPhase> = new Set(['invalid-credentials', 'missing-credentials', 'sdk-unavailable', 'config-error', 'closed']);

/** Resolves on the next 'ready'; fails at once, naming the phase, when the connection stops instead (e.g. no SDK). */
function readyOrStopped(connection: AccountConnection, timeoutMs = 15_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: Error) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('state', onState);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => finish();
    const onState = (s: ConnectionState) => {
      if (STOPPED.has(s.phase)) finish(new Error(`the connection stopped in phase ${s.phase}${s.error ? `: ${s.error}` : ''}`));
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for 'ready' (phase ${connection.state.phase})`)), timeoutMs);
    connection.on('ready', onReady);
    connection.on('state', onState);
  });
}

/**
 * Resolves with the length of the connection's next backoff wait, once it waits on its clock for it (the state that
 * announces the wait is emitted just before the timer is set, within the same turn).
 */
export async function nextBackoff(connection: AccountConnection, timeoutMs = 30_000): Promise<number> {
  const [state] = await nextEvent<[ConnectionState]>(connection, 'state', (s) => s.phase === 'reconnecting' && s.retryInMs !== undefined, timeoutMs);
  return state.retryInMs as number;
}
