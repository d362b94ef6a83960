// Root hooks for every test file in the run (loaded through .mocharc.json "require").
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resetSignInGuard } from '../../src/shared/sign-in-guard';

interface HelperSettings {
  settings(settings: Record<string, unknown>): Record<string, unknown>;
  _settings?: Record<string, unknown>;
}

/**
 * The node tests' Node-RED user directories: temp folders of this mocha process, so the change ledger
 * (navien-ledger.json) of the nodes under test never lands in the developer's ~/.node-red. Each test gets its own
 * (a boost one test leaves in the ledger is not undone on the same simulated heater in the next). A test that gives
 * its own `userDir` (a restart with the same directory) keeps it; `userDir: undefined` falls back to a fresh one.
 */
export const TEST_USER_DIR = mkdtempSync(path.join(tmpdir(), 'navien-test-userdir-'));
let testDirs = 0;
const freshUserDir = () => mkdtempSync(path.join(TEST_USER_DIR, `test-${++testDirs}-`));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helperSettings = require('node-red-node-test-helper') as HelperSettings;
/** Whether the test chose its user directory itself. */
let ownUserDir = false;
{
  const original = helperSettings.settings.bind(helperSettings);
  helperSettings.settings = (settings) => {
    ownUserDir = settings.userDir !== undefined;
    return original({ ...settings, userDir: settings.userDir ?? freshUserDir() });
  };
  helperSettings.settings({});
}

/**
 * node-red-node-test-helper is one shared instance for the whole mocha run, and its stopServer()
 * keeps a reference to the server it closed: the next file's stopServer() then fails with
 * ERR_SERVER_NOT_RUNNING. Forget a closed server after each test so files stay independent.
 */
export const mochaHooks = {
  /**
   * The sign-in guard is process-wide and keyed by API URL + e-mail: every test of a suite signs in to its simulator's
   * one account, and their failures must not add up into the next test's hourly limit. Each test also gets a fresh
   * user directory unless it chose its own.
   */
  beforeEach(): void {
    resetSignInGuard();
    if (!ownUserDir && helperSettings._settings) helperSettings._settings.userDir = freshUserDir();
  },
  afterEach(): void {
    const cached = require.cache[require.resolve('node-red-node-test-helper')];
    const helper = cached?.exports as { _server?: { listening?: boolean } } | undefined;
    if (helper?._server && !helper._server.listening) helper._server = undefined;
  },
};
