import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../metrics/metrics.ts';

/** Why a packet was accepted or refused: the `result` label of wanxiang_hj212_packets_total. */
export const packetResults = ['accepted', 'bad_crc', 'unknown_mn', 'bad_pw', 'disabled', 'throttled', 'malformed', 'strict_frame', 'not_stored'] as const;
export type PacketResult = (typeof packetResults)[number];

/** The receiver's counters, on the platform's registry (services/metrics/metrics.ts), created once per platform. */
export function createHj212Metrics(metrics: Metrics) {
  const registers = [metrics.registry];
  const packets = new Counter({ name: 'wanxiang_hj212_packets_total', help: 'HJ 212 packets, per result (accepted, or the reason for refusal).', labelNames: ['result'], registers });
  for (const result of packetResults) packets.inc({ result }, 0);
  return {
    packets,
    skippedBytes: new Counter({ name: 'wanxiang_hj212_skipped_bytes_total', help: 'Bytes of HJ 212 streams skipped by the framer, per reason (garbage, bad_length_field, oversize, bad_tail).', labelNames: ['reason'], registers }),
    crcVariants: new Counter({ name: 'wanxiang_hj212_crc_variant_total', help: 'Accepted HJ 212 packets per CRC algorithm that matched (hj212, arc, modbus-swapped).', labelNames: ['variant'], registers }),
    replies: new Counter({ name: 'wanxiang_hj212_replies_total', help: 'HJ 212 answers sent, per command code (9014, 9013).', labelNames: ['cn'], registers }),
    unknownCodes: new Counter({ name: 'wanxiang_hj212_unknown_codes_total', help: 'HJ 212 factor items no family, alias or co-located device takes (kept in hj212_unknown and the dead-letter).', registers }),
    splits: new Counter({ name: 'wanxiang_hj212_split_sets_total', help: 'HJ 212 split-packet sets, per outcome (complete, incomplete).', labelNames: ['outcome'], registers }),
    connections: new Gauge({ name: 'wanxiang_hj212_connections', help: 'HJ 212 TCP connections open now.', registers }),
    connectionsClosed: new Counter({ name: 'wanxiang_hj212_connections_closed_total', help: 'HJ 212 connections the receiver closed or refused, per reason (limit, per_address, idle, slow_frame, buffer).', labelNames: ['reason'], registers }),
  };
}

export type Hj212Metrics = ReturnType<typeof createHj212Metrics>;
