import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_API_URL, DEFAULT_IOT_HOST, loadEndpoints, resolveEndpoints, trustedCas } from '../../src/shared/endpoints';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('endpoint overrides', () => {
  it('uses the production cloud when nothing is set', async () => {
    const e = await loadEndpoints({}, {});
    assert.equal(e.apiUrl, DEFAULT_API_URL);
    assert.equal(e.iotHost, DEFAULT_IOT_HOST);
    assert.equal(e.iotPort, 443);
    assert.equal(trustedCas(e), undefined);
  });

  it('reads NAVIEN_API_URL, NAVIEN_IOT_ENDPOINT and NAVIEN_CA_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'navien-ep-'));
    writeFileSync(join(dir, 'ca.pem'), PEM);
    const e = await loadEndpoints({}, {
      NAVIEN_API_URL: 'https://localhost:8443/api/v2.1/',
      NAVIEN_IOT_ENDPOINT: 'localhost:8883',
      NAVIEN_CA_FILE: join(dir, 'ca.pem'),
    });
    assert.equal(e.apiUrl, 'https://localhost:8443/api/v2.1');
    assert.equal(e.iotHost, 'localhost');
    assert.equal(e.iotPort, 8883);
    const cas = trustedCas(e) ?? [];
    assert.ok(cas.length > 1, 'system roots are kept beside the extra CA');
    assert.equal(cas.at(-1), PEM);
  });

  it('lets the account node fields win over the environment', () => {
    const e = resolveEndpoints({ apiUrl: 'https://a.example/api', iotEndpoint: 'b.example' }, {
      NAVIEN_API_URL: 'https://env.example/api', NAVIEN_IOT_ENDPOINT: 'env.example:1',
    });
    assert.equal(e.apiUrl, 'https://a.example/api');
    assert.equal(e.iotHost, 'b.example');
    assert.equal(e.iotPort, 443);
  });

  it('refuses plain http, bad ports and unreadable CA files with a clear message', async () => {
    assert.throws(() => resolveEndpoints({ apiUrl: 'http://x/api' }, {}), /https:\/\//);
    assert.throws(() => resolveEndpoints({ iotEndpoint: 'host:99999' }, {}), /1-65535/);
    await assert.rejects(loadEndpoints({ caFile: '/nonexistent/ca.pem' }, {}), /extra CA file cannot be used/);
  });
});
