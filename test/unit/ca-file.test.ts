import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_FILE_UNUSABLE, readCaFile } from '../../src/shared/ca-file';
import { EndpointConfigError } from '../../src/shared/errors';
import { defaultTestCertDir, ensureCerts } from '../../tools/simulator/certs';

/** Things on a host that are not a CA file; each must be refused with the same text and never block the runtime. */
describe('reading an extra CA file (caFile, NAVIEN_CA_FILE)', () => {
  let dir: string;
  const PEM = () => readFileSync(ensureCerts(defaultTestCertDir()).caFile, 'utf8');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'navien-ca-file-'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    mkdirSync(join(dir, 'a-directory'));
    writeFileSync(join(dir, 'big.pem'), PEM() + 'x'.repeat(2 * 1024 * 1024));
    writeFileSync(join(dir, 'not-pem.txt'), 'secret contents of some file\n');
    writeFileSync(join(dir, 'ca.pem'), PEM());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a PEM file', async () => {
    assert.equal(await readCaFile(join(dir, 'ca.pem')), PEM());
  });

  for (const [what, path] of [
    ['a FIFO', () => join(dir, 'fifo')],
    ['/dev/zero', () => '/dev/zero'],
    ['a directory', () => join(dir, 'a-directory')],
    ['a 2 MB file', () => join(dir, 'big.pem')],
    ['a missing file', () => join(dir, 'missing.pem')],
    ['a file without a certificate', () => join(dir, 'not-pem.txt')],
  ] as const) {
    it(`refuses ${what} with the one generic text, without blocking the event loop`, async () => {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 1);
      try {
        const reading = readCaFile(path());
        // Had the read blocked (a FIFO without a writer, /dev/zero), no timer would ever run again.
        await new Promise((resolve) => setTimeout(resolve, 5));
        assert.ok(ticks > 0, 'timers keep running during the read');
        await assert.rejects(reading, (err: unknown) => {
          assert.ok(err instanceof EndpointConfigError);
          assert.equal(err.field, 'caFile');
          assert.equal(err.message, CA_FILE_UNUSABLE, 'nothing about whether the file exists or what it holds');
          return true;
        });
      } finally {
        clearInterval(ticker);
      }
    });
  }
});
