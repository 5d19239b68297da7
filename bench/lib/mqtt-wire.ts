/**
 * Just enough MQTT 3.1.1 to drive a broker hard from a small process: CONNECT and
 * QoS 1 PUBLISH packets encoded up front, CONNACK and PUBACK read from a byte stream.
 * Packet layouts: MQTT 3.1.1 §3.1 (CONNECT), §3.2 (CONNACK), §3.3 (PUBLISH), §3.4 (PUBACK).
 */

function remainingLength(length: number): Buffer {
  // §2.2.3: seven bits a byte, high bit set when more follow.
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

const utf8Field = (text: string) => {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(body.length);
  return Buffer.concat([head, body]);
};

/** CONNECT with a clean session, user name and password (§3.1.2.3 flags 0xC2). */
export function encodeConnect(clientId: string, username: string, password: string, keepaliveS = 60): Buffer {
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xc2, keepaliveS >> 8, keepaliveS & 0xff]);
  const payload = Buffer.concat([utf8Field(clientId), utf8Field(username), utf8Field(password)]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(variable.length + payload.length), variable, payload]);
}

/** A QoS 1 PUBLISH (§3.3.1: first byte 0x32) with its packet identifier. */
export function encodePublish(topic: string, payload: Buffer, packetId: number): Buffer {
  const topicField = utf8Field(topic);
  const id = Buffer.from([packetId >> 8, packetId & 0xff]);
  return Buffer.concat([Buffer.from([0x32]), remainingLength(topicField.length + 2 + payload.length), topicField, id, payload]);
}

export interface WireEvents {
  onConnack(returnCode: number): void;
  onPuback(packetId: number): void;
}

/** Splits a byte stream into packets and reports the two kinds a publisher receives. */
export function createPacketReader(events: WireEvents): (chunk: Buffer) => void {
  let pending: Buffer | null = null;
  return (chunk) => {
    const data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let at = 0;
    while (at < data.length) {
      let length = 0;
      let multiplier = 1;
      let cursor = at + 1;
      let complete = false;
      while (cursor < data.length) {
        const byte = data[cursor++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || cursor + length > data.length) break;
      const type = data[at]! >> 4;
      if (type === 4) events.onPuback(data.readUInt16BE(cursor));
      else if (type === 2) events.onConnack(data[cursor + 1]!);
      at = cursor + length;
    }
    if (at < data.length) pending = data.subarray(at);
  };
}
