import * as assert from 'node:assert/strict';
import { decodeStatus, parseCloudJson } from '../../src/shared/codec';
import { loadFixture } from './fixtures';

describe('codec: input from the cloud never reaches the prototype', () => {
  const hostile = '{"dhwChargePer": 55, "__proto__": {"injected": true, "dhwChargePer": 5}, "constructor": {"prototype": {"polluted": 1}}, "prototype": 1}';

  it('decodeStatus: an own __proto__ key does not replace the prototype of the decoded status', () => {
    const raw = JSON.parse(hostile) as Record<string, unknown>; // JSON.parse keeps "__proto__" as an own key
    const status = decodeStatus(raw, 'C');
    assert.equal(Object.getPrototypeOf(status), Object.prototype);
    assert.equal((status as Record<string, unknown>).injected, undefined);
    assert.equal(status.dhwChargePer, 55);
    assert.deepEqual(Object.keys(status), ['dhwChargePer'], 'constructor and prototype keys are not copied either');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('parseCloudJson drops __proto__, constructor and prototype keys at any depth, also when spelled with escapes', () => {
    const parsed = parseCloudJson(`{"response": {"status": ${hostile}, "list": [{"\\u005f_proto__": {"x": 1}, "a": 1}]}}`) as any;
    assert.deepEqual(Object.keys(parsed.response.status), ['dhwChargePer']);
    assert.deepEqual(Object.keys(parsed.response.list[0]), ['a']);
    assert.equal(Object.getPrototypeOf(parsed.response.status), Object.prototype);
    // Ordinary payloads parse exactly as JSON.parse does; invalid JSON still throws.
    const capture = JSON.stringify(loadFixture('mqtt/status.response.json').payload);
    assert.deepEqual(parseCloudJson(capture), JSON.parse(capture));
    assert.throws(() => parseCloudJson('{"response": '), SyntaxError);
  });
});
