import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { loadEndpoints } from '../../src/shared/endpoints';
import { trustStoreFor } from '../../src/shared/trust-store';
import { NavilinkSimulator } from '../../tools/simulator/simulator';

function caFile(pem: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'navien-trust-')), 'ca.pem');
  writeFileSync(file, pem);
  return file;
}

describe('trust store of an extra CA', () => {
  let sim: NavilinkSimulator;
  before(async () => {
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  after(async () => {
    await sim.stop();
  });

  it('is built once per CA and shared by every connection that trusts the same CA (also from another file)', async () => {
    const a = trustStoreFor(await loadEndpoints({ caFile: sim.caFile }, {}));
    const copy = trustStoreFor(await loadEndpoints({ caFile: caFile(readFileSync(sim.caFile, 'utf8')) }, {}));
    assert.ok(a);
    assert.equal(copy, a);
    assert.equal(a.secureContext, a.secureContext, 'the secure context is parsed once');
    assert.equal(a.httpsAgent, a.httpsAgent);
    assert.equal(a.pems.length, rootCertificates.length + 1, 'the system roots stay trusted beside the extra CA');
    assert.equal(trustStoreFor(await loadEndpoints({}, {})), undefined, 'no CA file: the system store as it is');
  });

  it('verifies against its own CA only: the simulator passes with its CA and fails with another one', async () => {
    const url = new URL(sim.apiUrl);
    const status = (agent: Agent) =>
      new Promise<number>((resolve, reject) => {
        get({ host: url.hostname, port: url.port, path: '/', agent }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
    const own = trustStoreFor(await loadEndpoints({ caFile: sim.caFile }, {}));
    assert.ok(own);
    assert.ok((await status(own.httpsAgent)) > 0);
    // Another CA: any self-signed root that did not sign the simulator's certificate.
    const other = trustStoreFor(await loadEndpoints({ caFile: caFile(rootCertificates[0]) }, {}));
    assert.ok(other && other !== own);
    await assert.rejects(status(other.httpsAgent), /self-signed|unable to verify|certificate/i);
  });
});
