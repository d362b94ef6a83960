/** Locates and loads the shared NaviLink protocol fixtures (`<root>/shared/protocol/fixtures`). */
import * as fs from 'node:fs';
import * as path from 'node:path';

const RELATIVE = path.join('shared', 'protocol', 'fixtures');

/** Walks up from this file until a directory holding `shared/protocol/fixtures` is found. */
export function fixturesDir(): string {
  const override = process.env.NAVILINK_FIXTURES;
  if (override && fs.existsSync(override)) return override;
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, RELATIVE);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${RELATIVE} not found above ${__dirname}`);
    dir = parent;
  }
}

/** Parsed JSON of a fixture, by path relative to the fixtures directory (e.g. `mqtt/status.response.json`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures are free-form JSON read by tests
export function loadFixture<T = any>(relative: string): T {
  return JSON.parse(fs.readFileSync(path.join(fixturesDir(), relative), 'utf8')) as T;
}

/** File names (not paths) of the `.json` fixtures in a sub-directory. */
export function listFixtures(subdir: string): string[] {
  return fs
    .readdirSync(path.join(fixturesDir(), subdir))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export interface MqttFixture {
  topic: string;
  payload: {
    requestTopic?: string;
    response: Record<string, unknown> & { status?: Record<string, unknown>; feature?: Record<string, unknown> };
    event?: Record<string, unknown>;
  };
}

/** The raw `response.status` of an MQTT status fixture. */
export function statusOf(relative: string): Record<string, unknown> {
  const fixture = loadFixture<MqttFixture>(relative);
  const status = fixture.payload.response.status;
  if (!status) throw new Error(`${relative} has no response.status`);
  return status;
}

export function captureSequence(): MqttFixture[] {
  return loadFixture<MqttFixture[]>('mqtt/status.capture-sequence.json');
}
