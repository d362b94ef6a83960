// MQTT 3.1.1 (protocol level 4) packet encoding and a streaming decoder: only what a QoS 0/1 client needs.

export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
} as const;

/** The largest value the four-byte remaining-length varint can hold. */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** CONNACK return codes 1-5 (MQTT 3.1.1, 3.2.2.3). */
export const CONNACK_ERRORS: Readonly<Record<number, { name: string; text: string }>> = {
  1: { name: 'CONNACK_UNACCEPTABLE_PROTOCOL_VERSION', text: 'unacceptable protocol version' },
  2: { name: 'CONNACK_IDENTIFIER_REJECTED', text: 'client identifier rejected' },
  3: { name: 'CONNACK_SERVER_UNAVAILABLE', text: 'server unavailable' },
  4: { name: 'CONNACK_BAD_USERNAME_OR_PASSWORD', text: 'bad user name or password' },
  5: { name: 'CONNACK_NOT_AUTHORIZED', text: 'not authorized' },
};

export const SUBACK_FAILURE = 0x80;

export type MqttPacket =
  | { type: 'connack'; sessionPresent: boolean; returnCode: number }
  | { type: 'publish'; topic: string; payload: Buffer; qos: 0 | 1 | 2; dup: boolean; retain: boolean; packetId?: number }
  | { type: 'puback'; packetId: number }
  | { type: 'suback'; packetId: number; returnCodes: number[] }
  | { type: 'unsuback'; packetId: number }
  | { type: 'pingreq' }
  | { type: 'pingresp' }
  | { type: 'disconnect' }
  /** Anything a client does not decode (CONNECT, SUBSCRIBE, QoS 2 flow): kept raw. */
  | { type: 'other'; packetType: number; flags: number; body: Buffer };

export class MqttProtocolError extends Error {
  override readonly name = 'MqttProtocolError';
}

// ---- encoding ----

export function encodeRemainingLength(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_REMAINING_LENGTH) {
    throw new RangeError(`MQTT remaining length ${length} is out of range`);
  }
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

function utf8Field(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 0xffff) throw new RangeError('MQTT string field longer than 65535 bytes');
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

function uint16(value: number): Buffer {
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(value, 0);
  return out;
}

function packet(firstByte: number, ...body: Buffer[]): Buffer {
  const length = body.reduce((n, b) => n + b.length, 0);
  return Buffer.concat([Buffer.from([firstByte]), encodeRemainingLength(length), ...body]);
}

export interface ConnectOptions {
  clientId: string;
  keepAliveSeconds: number;
  cleanSession: boolean;
  username?: string;
}

export function encodeConnect(options: ConnectOptions): Buffer {
  if (!Number.isInteger(options.keepAliveSeconds) || options.keepAliveSeconds < 0 || options.keepAliveSeconds > 0xffff) {
    throw new RangeError(`keep-alive ${options.keepAliveSeconds} s is out of range 0-65535`);
  }
  let flags = options.cleanSession ? 0x02 : 0;
  if (options.username !== undefined) flags |= 0x80;
  const parts = [utf8Field('MQTT'), Buffer.from([4, flags]), uint16(options.keepAliveSeconds), utf8Field(options.clientId)];
  if (options.username !== undefined) parts.push(utf8Field(options.username));
  return packet(PacketType.CONNECT << 4, ...parts);
}

export function encodeSubscribe(packetId: number, topicFilter: string, qos: 0 | 1): Buffer {
  // SUBSCRIBE's fixed-header flags are reserved as 0b0010.
  return packet((PacketType.SUBSCRIBE << 4) | 0x02, uint16(packetId), utf8Field(topicFilter), Buffer.from([qos]));
}

export function encodePublish(topic: string, payload: Buffer, qos: 0 | 1, packetId?: number, dup = false): Buffer {
  if (qos > 0 && (packetId === undefined || packetId < 1 || packetId > 0xffff)) throw new RangeError('a QoS 1 publish needs a packet id 1-65535');
  const first = (PacketType.PUBLISH << 4) | (dup ? 0x08 : 0) | (qos << 1);
  return qos > 0 ? packet(first, utf8Field(topic), uint16(packetId as number), payload) : packet(first, utf8Field(topic), payload);
}

export function encodePuback(packetId: number): Buffer {
  return packet(PacketType.PUBACK << 4, uint16(packetId));
}

export function encodePingreq(): Buffer {
  return Buffer.from([PacketType.PINGREQ << 4, 0]);
}

export function encodeDisconnect(): Buffer {
  return Buffer.from([PacketType.DISCONNECT << 4, 0]);
}

// ---- decoding ----

/** Decodes one complete packet (fixed header byte, body without the length field). */
export function decodePacket(firstByte: number, body: Buffer): MqttPacket {
  const packetType = firstByte >> 4;
  const flags = firstByte & 0x0f;
  const need = (n: number, what: string): void => {
    if (body.length !== n) throw new MqttProtocolError(`${what} with a ${body.length}-byte body (expected ${n})`);
  };
  switch (packetType) {
    case PacketType.CONNACK:
      need(2, 'CONNACK');
      if (body[0] & 0xfe) throw new MqttProtocolError('CONNACK with reserved acknowledge flags set');
      return { type: 'connack', sessionPresent: (body[0] & 0x01) === 1, returnCode: body[1] };
    case PacketType.PUBLISH: {
      const qos = (flags >> 1) & 0x03;
      if (qos === 3) throw new MqttProtocolError('PUBLISH with QoS 3');
      if (body.length < 2) throw new MqttProtocolError('PUBLISH too short for its topic');
      const topicLength = body.readUInt16BE(0);
      let offset = 2 + topicLength;
      if (body.length < offset + (qos > 0 ? 2 : 0)) throw new MqttProtocolError('PUBLISH shorter than its topic and packet id');
      const topic = body.toString('utf8', 2, offset);
      let packetId: number | undefined;
      if (qos > 0) {
        packetId = body.readUInt16BE(offset);
        offset += 2;
        if (packetId === 0) throw new MqttProtocolError('PUBLISH with QoS > 0 and packet id 0');
      }
      return {
        type: 'publish',
        topic,
        // A copy, so a small message does not pin the whole WebSocket frame it arrived in.
        payload: Buffer.from(body.subarray(offset)),
        qos: qos as 0 | 1 | 2,
        dup: (flags & 0x08) !== 0,
        retain: (flags & 0x01) !== 0,
        packetId,
      };
    }
    case PacketType.PUBACK:
      need(2, 'PUBACK');
      return { type: 'puback', packetId: body.readUInt16BE(0) };
    case PacketType.SUBACK:
      if (body.length < 3) throw new MqttProtocolError('SUBACK without return codes');
      return { type: 'suback', packetId: body.readUInt16BE(0), returnCodes: [...body.subarray(2)] };
    case PacketType.UNSUBACK:
      need(2, 'UNSUBACK');
      return { type: 'unsuback', packetId: body.readUInt16BE(0) };
    case PacketType.PINGREQ:
      need(0, 'PINGREQ');
      return { type: 'pingreq' };
    case PacketType.PINGRESP:
      need(0, 'PINGRESP');
      return { type: 'pingresp' };
    case PacketType.DISCONNECT:
      need(0, 'DISCONNECT');
      return { type: 'disconnect' };
    case 0:
    case 15:
      throw new MqttProtocolError(`reserved packet type ${packetType}`);
    default:
      return { type: 'other', packetType, flags, body: Buffer.from(body) };
  }
}

/**
 * Streaming decoder: feed it bytes as they arrive (a WebSocket frame may hold part of a packet, or several) and it
 * returns every packet completed so far. After a MqttProtocolError the stream is unusable: close the connection.
 */
export class PacketParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Total size (fixed header + body) of the packet being collected, once its header is complete. */
  private packetSize: number | undefined;
  private headerSize = 0;

  constructor(private readonly maxPacketBytes = MAX_REMAINING_LENGTH + 5) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(data: Buffer): MqttPacket[] {
    if (data.length > 0) {
      this.chunks.push(data);
      this.buffered += data.length;
    }
    const packets: MqttPacket[] = [];
    for (;;) {
      if (this.packetSize === undefined && !this.readHeader()) break;
      const size = this.packetSize as number;
      if (this.buffered < size) break;
      const bytes = this.take(size);
      this.packetSize = undefined;
      packets.push(decodePacket(bytes[0], bytes.subarray(this.headerSize)));
    }
    return packets;
  }

  /** Parses the fixed header when enough bytes are there; false when more are needed. */
  private readHeader(): boolean {
    if (this.buffered < 2) return false;
    const head = this.peek(Math.min(5, this.buffered));
    let length = 0;
    let multiplier = 1;
    for (let i = 1; i < head.length; i++) {
      const byte = head[i];
      length += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        this.headerSize = i + 1;
        const size = this.headerSize + length;
        if (size > this.maxPacketBytes) throw new MqttProtocolError(`packet of ${size} bytes exceeds the ${this.maxPacketBytes}-byte limit`);
        this.packetSize = size;
        return true;
      }
      multiplier *= 128;
    }
    if (head.length === 5) throw new MqttProtocolError('remaining length longer than four bytes');
    return false;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    // n is at most 5 here: only the first few chunks are read.
    const parts: Buffer[] = [];
    for (let i = 0, have = 0; have < n && i < this.chunks.length; i++) {
      parts.push(this.chunks[i]);
      have += this.chunks[i].length;
    }
    return Buffer.concat(parts, n);
  }

  /**
   * Removes the next n bytes. A packet that arrived in many small frames is walked by index and copied once: one
   * Array.shift() per frame made a 64 KiB packet in 1-byte frames quadratic (seconds of blocked event loop).
   */
  private take(n: number): Buffer {
    let out: Buffer;
    const first = this.chunks[0];
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      let count = 0;
      let have = 0;
      while (have < n) have += this.chunks[count++].length;
      const parts = this.chunks.slice(0, count);
      const surplus = have - n;
      const last = parts[count - 1];
      if (surplus > 0) parts[count - 1] = last.subarray(0, last.length - surplus);
      out = Buffer.concat(parts, n);
      if (surplus > 0) this.chunks.splice(0, count, last.subarray(last.length - surplus));
      else this.chunks.splice(0, count);
    }
    this.buffered -= n;
    return out;
  }
}
