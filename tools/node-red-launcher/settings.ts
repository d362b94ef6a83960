/** The settings.js of a launched Node-RED: one place for what every harness, the bench and `npm start` rely on. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

export interface SettingsOptions {
  /** Key of the encrypted flows_cred.json; random by default (each user directory its own). */
  credentialSecret?: string;
  /** Console log level. The launcher reads "Started flows" (info) from the log, so keep info or below. */
  logLevel?: 'info' | 'debug' | 'trace';
  /** settings.js `contextStorage`, e.g. `{ default: { module: 'localfilesystem' } }`; Node-RED's memory store when unset. */
  contextStorage?: Record<string, { module: string; config?: Record<string, unknown> }>;
  /**
   * Node packages Node-RED must not load even where it finds them (settings.js `externalModules.palette.denyList`),
   * e.g. a dev dependency of the checkout that its node-red would pick up from the node_modules above it.
   */
  denyModules?: string[];
  /** JavaScript source of further `module.exports` properties (for what JSON cannot say, e.g. a middleware function). */
  extraSource?: string;
}

/**
 * Flows in flows.json, credentials encrypted with their own secret, the editor on 127.0.0.1 only, no tours and no
 * telemetry prompt (nobody clicks them away in a test or a throw-away instance).
 */
export function settingsSource(options: SettingsOptions = {}): string {
  const lines = [
    `flowFile: 'flows.json',`,
    `credentialSecret: ${JSON.stringify(options.credentialSecret ?? randomBytes(24).toString('hex'))},`,
    `uiHost: '127.0.0.1',`,
    `logging: { console: { level: '${options.logLevel ?? 'info'}', metrics: false, audit: false } },`,
    `editorTheme: { tours: false },`,
    `telemetry: { enabled: false },`,
  ];
  if (options.contextStorage) lines.push(`contextStorage: ${JSON.stringify(options.contextStorage)},`);
  if (options.denyModules?.length) lines.push(`externalModules: { palette: { denyList: ${JSON.stringify(options.denyModules)} } },`);
  if (options.extraSource) lines.push(options.extraSource.trim());
  return `module.exports = {\n${lines.map((l) => `  ${l}`).join('\n')}\n};\n`;
}

/** Writes `<userDir>/settings.js` and returns its path. */
export function writeSettings(userDir: string, options: SettingsOptions = {}): string {
  const file = join(userDir, 'settings.js');
  writeFileSync(file, settingsSource(options));
  return file;
}
