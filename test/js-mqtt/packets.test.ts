import assert from 'node:assert/strict';
import {
  MqttPacket,
  MqttProtocolError,
  PacketParser,
  decodePacket,
  encodeConnect,
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePublish,
  encodeRemainingLength,
  encodeSubscribe,
} from '../../src/shared/js-mqtt/packets';

type Publish = Extract<MqttPacket, { type: 'publish' }>;

/** A QoS 1 PUBLISH whose remaining length is exactly `remaining` (topic "t", packet id 7). */
function publishWithRemaining(remaining: number): { bytes: Buffer; payload: Buffer } {
  const payload = Buffer.alloc(remaining - 2 - 1 - 2, 0x61); // topic length field + "t" + packet id
  return { bytes: encodePublish('t', payload, 1, 7), payload };
}

function parseAll(chunks: Buffer[]): MqttPacket[] {
  const parser = new PacketParser();
  const out = chunks.flatMap((c) => parser.push(c));
  assert.equal(parser.bufferedBytes, 0, 'nothing left over');
  return out;
}

describe('js-mqtt packet codec (MQTT 3.1.1)', () => {
  it('encodes the remaining length at the varint boundaries', () => {
    const cases: Array<[number, number[]]> = [
      [0, [0x00]],
      [127, [0x7f]],
      [128, [0x80, 0x01]],
      [16383, [0xff, 0x7f]],
      [16384, [0x80, 0x80, 0x01]],
      [2097151, [0xff, 0xff, 0x7f]],
      [2097152, [0x80, 0x80, 0x80, 0x01]],
      [268435455, [0xff, 0xff, 0xff, 0x7f]],
    ];
    for (const [n, bytes] of cases) assert.deepEqual([...encodeRemainingLength(n)], bytes, `length ${n}`);
    assert.throws(() => encodeRemainingLength(268435456), RangeError);
    assert.throws(() => encodeRemainingLength(-1), RangeError);
  });

  for (const remaining of [127, 128, 16383, 16384]) {
    it(`round-trips a PUBLISH with remaining length ${remaining}, whole, byte by byte and split at every header byte`, () => {
      const { bytes, payload } = publishWithRemaining(remaining);
      const headerLength = remaining < 128 ? 2 : remaining < 16384 ? 3 : 4;
      assert.equal(bytes.length, headerLength + remaining);
      const check = (packets: MqttPacket[]): void => {
        assert.equal(packets.length, 1);
        const p = packets[0] as Publish;
        assert.equal(p.type, 'publish');
        assert.equal(p.topic, 't');
        assert.equal(p.qos, 1);
        assert.equal(p.packetId, 7);
        assert.ok(p.payload.equals(payload));
      };
      check(parseAll([bytes]));
      if (remaining <= 16384) check(parseAll([...bytes].map((b) => Buffer.from([b]))));
      for (let cut = 1; cut <= headerLength + 1; cut++) check(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]));
    });
  }

  it('reassembles a 64 KiB PUBLISH that arrives in 1-byte frames, and the packet after it', () => {
    const payload = Buffer.alloc(64 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
    const bytes = Buffer.concat([encodePublish('cmd/52/navilink-0a1b2c3d4e5f/st/push', payload, 1, 4242), encodePuback(9)]);
    const parser = new PacketParser();
    const packets: MqttPacket[] = [];
    for (let i = 0; i < bytes.length; i++) packets.push(...parser.push(bytes.subarray(i, i + 1)));
    assert.deepEqual(packets.map((p) => p.type), ['publish', 'puback']);
    const p = packets[0] as Publish;
    assert.equal(p.topic, 'cmd/52/navilink-0a1b2c3d4e5f/st/push');
    assert.equal(p.packetId, 4242);
    assert.ok(p.payload.equals(payload), 'payload byte for byte');
    assert.equal((packets[1] as Extract<MqttPacket, { type: 'puback' }>).packetId, 9);
    assert.equal(parser.bufferedBytes, 0);
  });

  it('keeps the rest of a frame that ends one packet and starts the next, over many small frames', () => {
    const a = encodePublish('a', Buffer.alloc(1000, 0x61), 1, 1);
    const b = encodePublish('b', Buffer.alloc(1000, 0x62), 1, 2);
    const all = Buffer.concat([a, b]);
    // 7-byte frames: packet a ends inside a frame whose tail belongs to b.
    const frames: Buffer[] = [];
    for (let i = 0; i < all.length; i += 7) frames.push(all.subarray(i, i + 7));
    const packets = parseAll(frames) as Publish[];
    assert.deepEqual(packets.map((p) => [p.topic, p.packetId, p.payload.length]), [['a', 1, 1000], ['b', 2, 1000]]);
    assert.ok(packets[1].payload.equals(Buffer.alloc(1000, 0x62)));
  });

  it('returns several packets merged into one frame, and a packet split over three frames', () => {
    const a = encodePublish('cmd/52/a', Buffer.from('{"x":1}'), 0);
    const b = encodePuback(513);
    const c = encodePublish('cmd/52/c', Buffer.alloc(300, 0x62), 1, 65535);
    const all = Buffer.concat([a, b, c, Buffer.from([0xd0, 0x00]) /* PINGRESP */]);
    const merged = parseAll([all]);
    assert.deepEqual(merged.map((p) => p.type), ['publish', 'puback', 'publish', 'pingresp']);
    assert.equal((merged[1] as Extract<MqttPacket, { type: 'puback' }>).packetId, 513);
    assert.equal((merged[2] as Publish).packetId, 65535);

    // Frame boundaries in the middle of the second publish's topic and payload; the first frame also ends packet a.
    const split = parseAll([all.subarray(0, a.length + b.length + 5), all.subarray(a.length + b.length + 5, all.length - 100), all.subarray(all.length - 100)]);
    assert.deepEqual(split.map((p) => p.type), ['publish', 'puback', 'publish', 'pingresp']);
    assert.ok((split[2] as Publish).payload.equals(Buffer.alloc(300, 0x62)));

    // Every possible two-way split gives the same packets.
    for (let cut = 1; cut < all.length; cut++) {
      assert.deepEqual(parseAll([all.subarray(0, cut), all.subarray(cut)]).map((p) => p.type), ['publish', 'puback', 'publish', 'pingresp'], `cut ${cut}`);
    }
  });

  it('decodes CONNACK, SUBACK (granted and 0x80 refused) and QoS 0 publishes', () => {
    assert.deepEqual(decodePacket(0x20, Buffer.from([0x01, 0x00])), { type: 'connack', sessionPresent: true, returnCode: 0 });
    assert.deepEqual(decodePacket(0x20, Buffer.from([0x00, 0x05])), { type: 'connack', sessionPresent: false, returnCode: 5 });
    assert.deepEqual(decodePacket(0x90, Buffer.from([0x00, 0x02, 0x80])), { type: 'suback', packetId: 2, returnCodes: [0x80] });
    assert.deepEqual(decodePacket(0x90, Buffer.from([0x01, 0x00, 0x01])), { type: 'suback', packetId: 256, returnCodes: [1] });
    const p = parseAll([encodePublish('a/b', Buffer.from('hi'), 0)])[0] as Publish;
    assert.equal(p.qos, 0);
    assert.equal(p.packetId, undefined);
    assert.equal(p.payload.toString(), 'hi');
    assert.equal(parseAll([encodePublish('t', Buffer.alloc(0), 0)]).length, 1);
  });

  it('encodes CONNECT, SUBSCRIBE, PUBACK, PINGREQ and DISCONNECT byte for byte', () => {
    assert.deepEqual(
      [...encodeConnect({ clientId: 'ab', keepAliveSeconds: 300, cleanSession: true })],
      [0x10, 14, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0x01, 0x2c, 0, 2, 0x61, 0x62],
    );
    assert.deepEqual([...encodeSubscribe(10, 'a/#', 1)], [0x82, 8, 0, 10, 0, 3, 0x61, 0x2f, 0x23, 1]);
    assert.deepEqual([...encodePuback(0x1234)], [0x40, 2, 0x12, 0x34]);
    assert.deepEqual([...encodePingreq()], [0xc0, 0]);
    assert.deepEqual([...encodeDisconnect()], [0xe0, 0]);
    assert.deepEqual([...encodePublish('t', Buffer.from('x'), 1, 1)], [0x32, 6, 0, 1, 0x74, 0, 1, 0x78]);
    assert.throws(() => encodePublish('t', Buffer.alloc(0), 1), RangeError);
  });

  it('rejects a remaining length of five bytes, packets over the limit and malformed bodies', () => {
    assert.throws(() => new PacketParser().push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), MqttProtocolError);
    // Detected as soon as the header is complete, before the (huge) body arrives.
    assert.throws(() => new PacketParser(1024).push(Buffer.from([0x30, 0x80, 0x08])), /exceeds the 1024-byte limit/);
    assert.throws(() => decodePacket(0x40, Buffer.from([0x00])), MqttProtocolError);
    assert.throws(() => decodePacket(0x36, Buffer.from([0, 1, 0x74, 0, 1])), /QoS 3/);
    assert.throws(() => decodePacket(0x32, Buffer.from([0, 9, 0x74])), MqttProtocolError);
    assert.throws(() => decodePacket(0x00, Buffer.alloc(0)), /reserved/);
    // An incomplete header is not an error: it waits for more.
    const parser = new PacketParser();
    assert.deepEqual(parser.push(Buffer.from([0x30, 0xff])), []);
    assert.equal(parser.bufferedBytes, 2);
  });
});
