import { connect as connectTcp, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/** A packet's bytes as mqtt-packet writes them. */
export const bytesOf = (packet: object): Buffer => mqttPacket.generate(packet as mqttPacket.Packet);

export interface RawMqtt {
  readonly socket: Socket;
  /** Every packet the broker sent back, parsed, in order. */
  readonly answers: mqttPacket.Packet[];
  closed(): boolean;
}

/** A raw TCP connection to an MQTT URL (no client library: packets pipelined, split or malformed as a test writes them). */
export async function rawMqtt(url: string): Promise<RawMqtt> {
  const { hostname, port } = new URL(url);
  const socket = connectTcp(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const answers: mqttPacket.Packet[] = [];
  parser.on('packet', (packet) => answers.push(packet));
  socket.on('data', (chunk) => parser.parse(chunk));
  socket.on('error', () => undefined);
  let closed = false;
  socket.on('close', () => { closed = true; });
  return { socket, answers, closed: () => closed };
}
