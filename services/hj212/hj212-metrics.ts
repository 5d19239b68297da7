import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../metrics/metrics.ts';
import type { Frame } from './framer.ts';

/** Why a packet was accepted or refused: the `result` label of wanxiang_hj212_packets_total. */
export const packetResults = ['accepted', 'refused', 'bad_crc', 'unknown_mn', 'bad_pw', 'disabled', 'malformed', 'strict_frame', 'not_stored', 'closed', 'failed'] as const;
export type PacketResult = (typeof packetResults)[number];

/** How an accepted frame bends HJ 212-2017 §6.3 framing (compat stations; any station for a segment above 1024 bytes). */
export type FrameQuirk = 'length_in_chars' | 'tail_lf' | 'tail_cr' | 'tail_none' | 'over_1024';

/** Counts how an accepted frame bends the framing, if it does (three comparisons for a standard frame). */
export function countFrameQuirks(quirks: Tally<FrameQuirk>, frame: Frame): void {
  if (frame.tail !== 'crlf') quirks.inc(`tail_${frame.tail}`);
  if (frame.lengthUnit !== 'bytes') quirks.inc('length_in_chars');
  if (frame.declaredLength > 1_024) quirks.inc('over_1024');
}

/** A counter of one label counted in plain numbers per packet, handed to prom-client when scraped. */
export interface Tally<Label extends string> {
  inc(label: Label): void;
}

/**
 * A prom-client Counter with one label whose per-packet increments are plain additions, given
 * to the counter in its `collect` (before every scrape or read): prom-client hashes and
 * validates the labels of each inc(), about a microsecond, three times a packet otherwise
 * (issue 20's throughput goal). What a scrape shows is the same.
 */
function tallied<Label extends string>(options: { name: string; help: string; label: string; registers: Metrics['registry'][]; initial?: readonly Label[] }): { counter: Counter; tally: Tally<Label> } {
  const pending = new Map<Label, number>();
  const counter: Counter = new Counter({
    name: options.name, help: options.help, labelNames: [options.label], registers: options.registers,
    collect() {
      for (const [label, count] of pending) if (count > 0) counter.inc({ [options.label]: label }, count);
      pending.clear();
    },
  });
  for (const label of options.initial ?? []) counter.inc({ [options.label]: label }, 0);
  return { counter, tally: { inc: (label) => void pending.set(label, (pending.get(label) ?? 0) + 1) } };
}

/** The receiver's counters, on the platform's registry (services/metrics/metrics.ts), created once per platform. */
export function createHj212Metrics(metrics: Metrics, observed: { readonly loginFailureKeys?: () => number; readonly rememberedFrames?: () => number } = {}) {
  const registers = [metrics.registry];
  const packets = tallied<PacketResult>({ name: 'wanxiang_hj212_packets_total', help: 'HJ 212 packets, per result (accepted, or the reason for refusal).', label: 'result', registers, initial: packetResults });
  return {
    packets: packets.tally,
    skippedBytes: new Counter({ name: 'wanxiang_hj212_skipped_bytes_total', help: 'Bytes of HJ 212 streams skipped by the framer, per reason (garbage, bad_length_field, oversize, bad_tail).', labelNames: ['reason'], registers }),
    crcVariants: tallied<string>({ name: 'wanxiang_hj212_crc_variant_total', help: 'Accepted HJ 212 packets per CRC algorithm that matched (hj212, arc, modbus-swapped, modbus, hj212-utf16, hj212-ascii).', label: 'variant', registers }).tally,
    // reference/hj212.md §9.2, §9.10: frames that bend the standard are counted, as are lengths above its 1024 bytes.
    frameQuirks: tallied<FrameQuirk>({ name: 'wanxiang_hj212_frame_quirks_total', help: 'Accepted HJ 212 frames that bend the standard\'s framing, per quirk (length_in_chars, tail_lf, tail_cr, tail_none, over_1024).', label: 'quirk', registers }).tally,
    replies: tallied<string>({ name: 'wanxiang_hj212_replies_total', help: 'HJ 212 answers sent, per command code (9014, 9013).', label: 'cn', registers }).tally,
    unknownCodes: new Counter({ name: 'wanxiang_hj212_unknown_codes_total', help: 'HJ 212 factor items no family, alias or co-located device takes (kept in hj212_unknown and the dead-letter).', registers }),
    splits: new Counter({ name: 'wanxiang_hj212_split_sets_total', help: 'HJ 212 split-packet sets, per outcome (complete, incomplete).', labelNames: ['outcome'], registers }),
    connections: new Gauge({ name: 'wanxiang_hj212_connections', help: 'HJ 212 TCP connections open now.', registers }),
    loginsDelayed: new Counter({ name: 'wanxiang_hj212_logins_delayed_total', help: 'Failed HJ 212 logins (wrong PW, unknown MN) past the limits, held loginFailureDelayMs before that MN\'s next check from that address.', registers }),
    loginFailureKeys: new Gauge({ name: 'wanxiang_hj212_login_failure_keys', help: 'Addresses and (address, MN) pairs whose failed HJ 212 logins the throttle keeps now (at most a window old).', registers, collect() { this.set(observed.loginFailureKeys?.() ?? 0); } }),
    // reference/hj212.md: a retransmission (HJ 212-2017 Table 1) is answered each time, stored once; its copies are counted here alone.
    retransmissions: new Counter({ name: 'wanxiang_hj212_retransmissions_total', help: 'HJ 212 frames a station sent again (same QN, same bytes) after one already stored: answered, not stored or counted again.', registers }),
    rememberedFrames: new Gauge({ name: 'wanxiang_hj212_remembered_frames', help: 'Stored HJ 212 frames remembered now to recognise their retransmissions (10 minutes, or a retry span of frames per station).', registers, collect() { this.set(observed.rememberedFrames?.() ?? 0); } }),
    connectionsClosed: new Counter({ name: 'wanxiang_hj212_connections_closed_total', help: 'HJ 212 connections the receiver closed or refused, per reason (limit, per_address, evicted: waiting for a login when a new connection needed its slot, idle, no_login, slow_frame, buffer, registry).', labelNames: ['reason'], registers }),
  };
}

export type Hj212Metrics = ReturnType<typeof createHj212Metrics>;
