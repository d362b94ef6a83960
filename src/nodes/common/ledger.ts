import type { NodeAPI } from 'node-red';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEDGER_FILE_NAME, LedgerFile } from '../../shared/ledger/ledger-file';

/**
 * The change ledger of this Node-RED: `navien-ledger.json` in the user directory (settings.js `userDir`, which
 * Node-RED defaults to ~/.node-red), so undo information survives a restart whatever context store is configured.
 */
export function ledgerFor(RED: NodeAPI): LedgerFile {
  const userDir = (RED.settings as unknown as Record<string, unknown>).userDir;
  const dir = typeof userDir === 'string' && userDir !== '' ? userDir : path.join(os.homedir(), '.node-red');
  return LedgerFile.open(path.join(dir, LEDGER_FILE_NAME), { warn: (text) => RED.log.warn(`navien: ${text}`) });
}
