/** A Node-RED user directory as Node-RED (and its palette manager) would have it, ready for a launch. */
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DASHBOARD_PACKAGE, dashboardPackageDir } from './dashboard';
import { SettingsOptions, writeSettings } from './settings';

export interface UserDirOptions {
  /** A package folder (the checkout) linked into node_modules under its own name, as `npm install <folder>` links it. */
  linkPackage?: string;
  /** More package folders linked the same way, under their own (possibly scoped) names. */
  linkPackages?: string[];
  /**
   * FlowFuse Dashboard 2.0: true links the checkout's dev dependency copy (dashboard.ts); otherwise it is kept out.
   * Node-RED loads node packages from every node_modules above its own, so a Node-RED started from the checkout's
   * node-red would otherwise load the copy in the checkout's node_modules in every harness, wanted or not.
   */
  dashboard?: boolean;
  /** Another user directory's node_modules, used through a symlink: one installed tarball serves several user directories. */
  shareNodeModules?: string;
  settings?: SettingsOptions;
  /** Leave an existing settings.js as it is: its credential secret is the key of the stored credentials. */
  keepSettings?: boolean;
}

/** The package.json Node-RED writes into a new user directory (npm install --save adds to it). */
export function writeProjectManifest(dir: string): void {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }, null, 2));
}

/** True for a symlink even when its target is gone (existsSync follows links). */
function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Links `folder` into `modules` under the name in its package.json (`@scope/name` inside a real `@scope` folder). */
function linkInto(modules: string, folder: string): void {
  const { name } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name: string };
  const link = join(modules, name);
  mkdirSync(dirname(link), { recursive: true });
  if (!existsSync(link) && !isLink(link)) symlinkSync(folder, link, 'dir');
}

/** Creates (or completes) `dir` as a user directory; returns `dir`. What is already there stays, except settings.js unless `keepSettings`. */
export function prepareUserDir(dir: string, options: UserDirOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeProjectManifest(dir);
  const modules = join(dir, 'node_modules');
  if (options.shareNodeModules) {
    if (!isLink(modules)) symlinkSync(options.shareNodeModules, modules, 'dir');
  } else {
    const folders = [...(options.linkPackage ? [options.linkPackage] : []), ...(options.linkPackages ?? []), ...(options.dashboard ? [dashboardPackageDir()] : [])];
    for (const folder of folders) linkInto(modules, folder);
  }
  const settings: SettingsOptions = options.dashboard
    ? { ...options.settings }
    : { ...options.settings, denyModules: [...(options.settings?.denyModules ?? []), DASHBOARD_PACKAGE] };
  if (!(options.keepSettings && existsSync(join(dir, 'settings.js')))) writeSettings(dir, settings);
  return dir;
}
