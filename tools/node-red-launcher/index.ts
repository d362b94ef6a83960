/**
 * The one way this repository starts a real Node-RED: `npm start` (scripts/start.ts), the benchmarks (bench/), the
 * end-to-end suites (test/e2e) and the editor tests (test/browser). It owns the user directory and its settings.js,
 * the choice of runtime (Node-RED and Node), the port, the start-up wait, deploys through the admin API, the
 * collected log and the bounded stop; and time limits on every child process it runs.
 */
export { KILL_GRACE_MS, cleanEnv, killOnExit, runCommand, withoutNpmVars, type CommandOptions, type CommandResult } from './command';
export { DASHBOARD_PACKAGE, DASHBOARD_PATH, dashboardPackageDir, findDashboard } from './dashboard';
export { NodeRedProcess, type Exit, type FlowNode, type LaunchOptions, type StopOptions, type Stopped } from './node-red-process';
export { freePort } from './port';
export { PACKAGE, repoRoot } from './repo';
export { RUNTIME_SETUP_TIMEOUT_MS, localRuntime, runtime, runtimeCacheDir, runtimesUnderTest, type Runtime } from './runtimes';
export { settingsSource, writeSettings, type SettingsOptions } from './settings';
export { prepareUserDir, writeProjectManifest, type UserDirOptions } from './user-dir';
export { delay, waitFor } from './wait';
