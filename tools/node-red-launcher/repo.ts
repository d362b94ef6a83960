/** Where this checkout is, found from the compiled file (build/tools/node-red-launcher/), whatever the working directory. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PACKAGE = 'node-red-contrib-navien';

/** The folder whose package.json is this package, walking up from here. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json named ${PACKAGE} above ${__dirname}`);
    dir = parent;
  }
}
