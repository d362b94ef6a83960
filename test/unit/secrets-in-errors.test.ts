/**
 * A presigned MQTT URL is a credential (its query holds the AWS access key id, the signature and the session token).
 * Error texts that quote it, as the WebSocket library's "Invalid URL" does, must lose that query before they reach a
 * connection state, a log line, a diagnostics record or a message; and endpoint settings that would make the library
 * throw it are refused as a configuration error first.
 */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { DiagnosticsCollector } from '../../src/shared/connection/diagnostics';
import { resolveEndpoints } from '../../src/shared/endpoints';
import { EndpointConfigError, errorMessage } from '../../src/shared/errors';
import { describeFailure } from '../../src/shared/mqtt-transport';
import { presignMqttUrl } from '../../src/shared/sigv4-presign';

const CREDENTIALS = {
  accessKeyId: 'ASIAEXAMPLEKEYID1234',
  secretAccessKey: 'example/secret+key=abcdefghijklmnopqrstuv',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+session/token==0123456789abcdefghij',
};

/** The error `ws` really throws for a presigned URL whose host holds a space. */
function wsInvalidUrlError(): Error {
  const { url } = presignMqttUrl({ iotHost: 'broker example.com', iotPort: 443 }, CREDENTIALS);
  try {
    new WebSocket(url, 'mqtt').terminate();
  } catch (err) {
    return err as Error;
  }
  throw new Error('ws accepted a URL with a space in the host');
}

function assertNoSecret(text: string): void {
  const signature = /X-Amz-Signature=([0-9a-f]{64})/.exec(wsInvalidUrlError().message)?.[1];
  assert.ok(signature, 'the unredacted error does quote the signature (the premise of these tests)');
  for (const secret of [CREDENTIALS.accessKeyId, encodeURIComponent(CREDENTIALS.sessionToken), CREDENTIALS.sessionToken, signature]) {
    assert.ok(!text.includes(secret), `"${text}" holds a secret`);
  }
  assert.doesNotMatch(text, /X-Amz-(Signature|Security-Token|Credential)=/i);
}

describe('presigned URLs never leave an error text', () => {
  it('errorMessage() drops the presigned query from the ws "Invalid URL" error and keeps the rest readable', () => {
    const raw = wsInvalidUrlError();
    assert.match(raw.message, /X-Amz-Security-Token=/, 'premise: ws quotes the whole URL');
    const text = errorMessage(raw);
    assertNoSecret(text);
    assert.match(text, /Invalid URL/);
  });

  it('the transport failure of such an error (what drops and reconnect states carry) holds no secret', () => {
    const failure = describeFailure(wsInvalidUrlError());
    assertNoSecret(failure.message);
  });

  it('a diagnostics drop record holds no secret even when handed an unredacted text', () => {
    const collector = new DiagnosticsCollector();
    collector.recordConnected('connected', 0, false);
    const drop = collector.recordDrop({ name: 'SyntaxError', message: wsInvalidUrlError().message }, 1, 2, 0);
    assert.ok(drop);
    assertNoSecret(drop.errorMessage);
    assertNoSecret(JSON.stringify(collector.export()));
  });
});

describe('IoT endpoint overrides are validated as host[:port]', () => {
  it('accepts host names, IPv4 addresses, ports and a copied wss://host/mqtt', () => {
    for (const [value, host, port] of [
      ['a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com', 'a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com', 443],
      ['localhost:8883', 'localhost', 8883],
      ['127.0.0.1:9443', '127.0.0.1', 9443],
      ['wss://broker.example.com/mqtt', 'broker.example.com', 443],
      ['  broker.example.com:443  ', 'broker.example.com', 443],
    ] as const) {
      const e = resolveEndpoints({ iotEndpoint: value }, {});
      assert.deepEqual([e.iotHost, e.iotPort], [host, port], value);
    }
  });

  it('refuses a space, a user part, a query or other stray characters with a config error naming the field', () => {
    for (const value of ['broker example.com', 'broker.example.com :443', 'user@broker.example.com', 'broker.example.com?x=1', 'broker_example.com', 'https://broker.example.com', '-broker.example.com']) {
      for (const where of ['node', 'env'] as const) {
        const call = () => where === 'node' ? resolveEndpoints({ iotEndpoint: value }, {}) : resolveEndpoints({}, { NAVIEN_IOT_ENDPOINT: value });
        assert.throws(call, (err: unknown) => {
          assert.ok(err instanceof EndpointConfigError, `${where} "${value}": ${String(err)}`);
          assert.equal(err.field, 'iotEndpoint');
          assert.match(err.message, /IoT endpoint must be a host name or host:port/);
          return true;
        });
      }
    }
  });

  it('refuses a REST URL that is not a valid https URL', () => {
    assert.throws(() => resolveEndpoints({ apiUrl: 'https://api example.com/api' }, {}), (err: unknown) => err instanceof EndpointConfigError && err.field === 'apiUrl');
  });
});
