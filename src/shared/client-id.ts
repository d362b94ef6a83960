import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

const INSTALL_ID_FILE = '.navien-install-id';

/**
 * A random id for this installation, kept in its data directory so that it survives restarts
 * but differs between two installations (two Node-RED instances with one client id would
 * kick each other off the broker forever, docs/protocol.md#connection-management).
 */
export function loadInstallId(dataDir: string | undefined): string {
  if (dataDir) {
    const file = join(dataDir, INSTALL_ID_FILE);
    try {
      const stored = readFileSync(file, 'utf8').trim();
      if (/^[0-9a-f]{16,64}$/.test(stored)) return stored;
    } catch {
      // first start: create it below
    }
    const fresh = randomBytes(16).toString('hex');
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${fresh}\n`, { mode: 0o600 });
      return fresh;
    } catch {
      // read-only data directory: fall through to a derived id
    }
  }
  return createHash('sha256').update(`${hostname()}|${process.cwd()}`).digest('hex').slice(0, 32);
}

/** Unique per installation and account (config node id), stable across restarts; never derived from a secret. */
export function deriveClientId(installId: string, accountKey: string): string {
  const digest = createHash('sha256').update(`${installId}|${accountKey}`).digest('hex').slice(0, 12);
  return `navien-nr-${digest}`;
}
