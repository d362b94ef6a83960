/** Loads the NaviLink protocol fixtures kept in the repository (`test/fixtures`). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `test/fixtures` of this repository. Tests run compiled from `build/test/codec`, so the folder is found by walking up
 * to the package root (the directory holding package.json) rather than by a fixed number of `..`.
 */
export function fixturesDir(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'test', 'fixtures');
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
}

/** Parsed JSON of a fixture, by path relative to the fixtures directory (e.g. `mqtt/status.response.json`). */
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
