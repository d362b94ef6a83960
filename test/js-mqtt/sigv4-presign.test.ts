import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { hostHeaderValue, presign, presignMqttUrl, sigv4Encode, toAmzDate } from '../../src/shared/sigv4-presign';
import { parsePresignedQuery, verifyPresignedSignature } from '../../tools/simulator/sigv4';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string): Buffer => createHmac('sha256', key).update(s).digest();

describe('SigV4 presigned URL (docs/protocol.md#presigned-url)', () => {
  it('reproduces the published AWS example for query-string signing (S3 GET /test.txt, 2013-05-24)', () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html, "An Example": the same algorithm
    // with service s3 and the literal payload hash UNSIGNED-PAYLOAD.
    const result = presign({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      service: 's3',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      expiresSeconds: 86400,
      now: new Date(Date.UTC(2013, 4, 24, 0, 0, 0)),
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    assert.equal(
      result.canonicalRequest,
      [
        'GET',
        '/test.txt',
        'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host',
        'host:examplebucket.s3.amazonaws.com',
        '',
        'host',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    );
    assert.equal(result.signature, 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
  });

  it('builds the AWS IoT URL step by step as 4.2 describes (fixed clock and credentials)', () => {
    const credentials = { accessKeyId: 'ASIA*EXAMPLE', secretAccessKey: 'se/cr+et=Key', sessionToken: 'IQoJb3JpZ2luX2VjE+/abc==' };
    const now = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    const host = 'a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com';
    const { url, hostHeader } = presignMqttUrl({ iotHost: host, iotPort: 443 }, credentials, now);

    // Expected value derived by hand from the spec, independently of the implementation's encoder and sorting.
    const canonicalQuery =
      'X-Amz-Algorithm=AWS4-HMAC-SHA256' +
      '&X-Amz-Credential=ASIA%2AEXAMPLE%2F20240102%2Fus-east-1%2Fiotdevicegateway%2Faws4_request' +
      '&X-Amz-Date=20240102T030405Z' +
      '&X-Amz-Expires=86400' +
      '&X-Amz-SignedHeaders=host';
    const canonicalRequest = `GET\n/mqtt\n${canonicalQuery}\nhost:${host}\n\nhost\n${sha256('')}`;
    const stringToSign = `AWS4-HMAC-SHA256\n20240102T030405Z\n20240102/us-east-1/iotdevicegateway/aws4_request\n${sha256(canonicalRequest)}`;
    const kSigning = hmac(hmac(hmac(hmac('AWS4se/cr+et=Key', '20240102'), 'us-east-1'), 'iotdevicegateway'), 'aws4_request');
    const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');

    assert.equal(hostHeader, host, 'bare host on 443');
    assert.equal(url, `wss://${host}/mqtt?${canonicalQuery}&X-Amz-Signature=${signature}&X-Amz-Security-Token=IQoJb3JpZ2luX2VjE%2B%2Fabc%3D%3D`);
    assert.doesNotMatch(url, /:443/);

    // A second, separately written verifier (the simulator's, which plays AWS IoT) accepts it too.
    const rawQuery = url.slice(url.indexOf('?') + 1);
    const parsed = parsePresignedQuery(rawQuery);
    assert.ok(typeof parsed !== 'string', String(parsed));
    assert.equal(parsed.securityToken, credentials.sessionToken);
    assert.equal(parsed.accessKeyId, credentials.accessKeyId);
    assert.ok(verifyPresignedSignature(parsed, 'GET', '/mqtt', { host }, credentials.secretAccessKey));
    assert.ok(!verifyPresignedSignature(parsed, 'GET', '/mqtt', { host }, 'wrong-secret'));
  });

  it('leaves the session token out of the signature and appends it last', () => {
    const base = { iotHost: 'example.com', iotPort: 443 };
    const now = new Date(Date.UTC(2024, 5, 1));
    const a = presignMqttUrl(base, { accessKeyId: 'K', secretAccessKey: 'S', sessionToken: 'one' }, now).url;
    const b = presignMqttUrl(base, { accessKeyId: 'K', secretAccessKey: 'S', sessionToken: 'two' }, now).url;
    const sig = (u: string): string | undefined => /X-Amz-Signature=([0-9a-f]{64})/.exec(u)?.[1];
    assert.equal(sig(a), sig(b));
    assert.match(a, /&X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=one$/);
    const noToken = presignMqttUrl(base, { accessKeyId: 'K', secretAccessKey: 'S' }, now).url;
    assert.doesNotMatch(noToken, /Security-Token/);
  });

  it('encodes per SigV4: everything but A-Z a-z 0-9 - _ . ~, upper-case hex, UTF-8', () => {
    assert.equal(sigv4Encode("!'()*"), '%21%27%28%29%2A');
    assert.equal(sigv4Encode('+/='), '%2B%2F%3D');
    assert.equal(sigv4Encode('AZaz09-_.~'), 'AZaz09-_.~');
    assert.equal(sigv4Encode(' é&'), '%20%C3%A9%26');
    assert.equal(toAmzDate(new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999))), '19991231T235959Z');
  });

  it('signs host:port for a non-443 endpoint, which is what the WebSocket client sends', async () => {
    const now = new Date();
    const { url, hostHeader } = presignMqttUrl({ iotHost: 'localhost', iotPort: 8883 }, { accessKeyId: 'K', secretAccessKey: 'S' }, now);
    assert.equal(hostHeader, 'localhost:8883');
    assert.ok(url.startsWith('wss://localhost:8883/mqtt?'));
    const { canonicalRequest } = presign({
      method: 'GET', host: hostHeader, path: '/mqtt', service: 'iotdevicegateway', region: 'us-east-1',
      credentials: { accessKeyId: 'K', secretAccessKey: 'S' }, expiresSeconds: 86400, now,
    });
    assert.match(canonicalRequest, /\nhost:localhost:8883\n/);
    assert.equal(hostHeaderValue('::1', 9000), '[::1]:9000');

    // What `ws` really sends as Host for a non-default port, without any header of ours.
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    const seenHost = new Promise<string | undefined>((resolve) => wss.on('connection', (_ws, req) => resolve(req.headers.host)));
    await new Promise<void>((resolve) => server.listen(0, resolve));
    const port = (server.address() as AddressInfo).port;
    const client = new WebSocket(`ws://localhost:${port}/mqtt`, 'mqtt');
    client.on('error', () => undefined);
    const clientOpen = new Promise((resolve) => client.once('open', resolve));
    try {
      assert.equal(await seenHost, hostHeaderValue('localhost', port));
      await clientOpen;
    } finally {
      client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
