import { createHmac } from 'node:crypto';

/**
 * The shared-subscription group the ingest workers join when none is configured: derived from the
 * ingest login's secret, which every worker of one installation holds. A published default name
 * let any login allowed to read telemetry (an observer) join the group and be dealt a share of the
 * stream, acknowledged by the broker and never stored (red team 9); the broker's ACL cannot stop
 * it, since mosquitto checks a `$share/GROUP/…` subscription against the filter alone.
 */
export function defaultSharedGroup(ingestSecret: string): string {
  return `wx-${createHmac('sha256', ingestSecret).update('wanxiang shared-subscription group').digest('hex').slice(0, 24)}`;
}
