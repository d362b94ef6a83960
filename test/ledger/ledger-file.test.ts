import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LedgerFile } from '../../src/shared/ledger/ledger-file';

/** What a new process (a restart) reads from the file. */
function readInNewProcess(file: string, section: string): unknown {
  const module = path.resolve(__dirname, '..', '..', 'src', 'shared', 'ledger', 'ledger-file.js');
  const script = `require(${JSON.stringify(module)}).LedgerFile.open(${JSON.stringify(file)}).read(${JSON.stringify(section)}).then((v) => process.stdout.write(JSON.stringify(v ?? null)))`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

describe('change ledger file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'navien-ledger-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is on disk when an update resolves: a new process reads it', async () => {
    const file = path.join(dir, 'navien-ledger.json');
    const ledger = LedgerFile.open(file);
    await ledger.update('settings', () => ({ boost: { previous: 120 } }));
    assert.deepEqual(readInNewProcess(file, 'settings'), { boost: { previous: 120 } });
    await ledger.update('settings', () => undefined);
    assert.equal(readInNewProcess(file, 'settings'), null);
  });

  it('keeps every update of concurrent writers, in order, and leaves no temp file behind', async () => {
    const file = path.join(dir, 'sub', 'navien-ledger.json');
    const a = LedgerFile.open(file);
    const b = LedgerFile.open(path.join(dir, 'sub', '.', 'navien-ledger.json'));
    assert.equal(a, b, 'one instance per file');
    await Promise.all(Array.from({ length: 20 }, (_v, i) => a.update<number[]>('list', (list = []) => [...list, i])));
    assert.deepEqual(readInNewProcess(file, 'list'), Array.from({ length: 20 }, (_v, i) => i));
    assert.deepEqual((await fs.readdir(path.dirname(file))).sort(), ['navien-ledger.json']);
  });

  it('hands out copies: changing what was read or returned does not change the ledger', async () => {
    const ledger = LedgerFile.open(path.join(dir, 'navien-ledger.json'));
    const value = { entries: [1] };
    await ledger.update('program', () => value);
    value.entries.push(2);
    const read = await ledger.read<{ entries: number[] }>('program');
    read?.entries.push(3);
    assert.deepEqual(await ledger.read('program'), { entries: [1] });
  });

  it('puts an unreadable file aside (never overwrites it) and starts empty, with a warning', async () => {
    const file = path.join(dir, 'navien-ledger.json');
    await fs.writeFile(file, '{"version":1,"sections":{"settings":{"bo');
    const warnings: string[] = [];
    const ledger = LedgerFile.open(file, { warn: (text) => warnings.push(text) });
    assert.equal(await ledger.read('settings'), undefined);
    const aside = (await fs.readdir(dir)).filter((name) => name.includes('unreadable'));
    assert.equal(aside.length, 1);
    assert.equal(await fs.readFile(path.join(dir, aside[0]), 'utf8'), '{"version":1,"sections":{"settings":{"bo');
    assert.match(warnings[0], /could not be read/);
  });

  it('a failed write rejects and keeps the last good version', async () => {
    const file = path.join(dir, 'navien-ledger.json');
    const ledger = LedgerFile.open(file);
    await ledger.update('settings', () => ({ n: 1 }));
    await fs.chmod(dir, 0o500);
    try {
      // root can write anywhere: make the rename target a directory instead
      if (process.getuid?.() === 0) {
        await fs.chmod(dir, 0o700);
        await fs.rm(file);
        await fs.mkdir(file);
      }
      await assert.rejects(ledger.update('settings', () => ({ n: 2 })));
      assert.deepEqual(await ledger.read('settings'), { n: 1 });
    } finally {
      await fs.chmod(dir, 0o700);
    }
  });
});
