/**
 * FlowFuse Dashboard 2.0 (`@flowfuse/node-red-dashboard`) for a launched Node-RED: the copy the checkout holds as a
 * dev dependency, linked into the user directory (UserDirOptions.linkPackages) as `npm install <folder>` links it.
 * `npm install` put it there, so nothing is fetched when Node-RED starts, and the dashboard tests run offline on
 * every runtime: it is plain JavaScript (engines: node >= 14, node-red >= 3), the same files on Node 20 and 22.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo';

export const DASHBOARD_PACKAGE = '@flowfuse/node-red-dashboard';
/** Where Dashboard 2.0 serves its pages: the `path` of the examples' ui-base node, also Dashboard's default. */
export const DASHBOARD_PATH = '/dashboard';

/** The checkout's copy of Dashboard 2.0, or undefined when it is not installed (`npm install --omit=dev`). */
export function findDashboard(): { dir: string; version: string } | undefined {
  const dir = join(repoRoot(), 'node_modules', ...DASHBOARD_PACKAGE.split('/'));
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  return { dir, version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version };
}

/** As findDashboard(), but a missing copy is an error that says how to get it. */
export function dashboardPackageDir(): string {
  const found = findDashboard();
  if (!found) throw new Error(`${DASHBOARD_PACKAGE} is not in this checkout's node_modules: run npm install (it is a dev dependency of the repository)`);
  return found.dir;
}
