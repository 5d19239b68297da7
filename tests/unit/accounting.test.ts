import { describe, expect, it } from 'vitest';
import { createAccounting } from '../../services/ingest/accounting.ts';
import { createLogger } from '../../services/log.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';

const hour = 3_600_000 * 490_000;
const make = () => createAccounting({ metrics: createMetrics({ collectProcessMetrics: false }), log: createLogger('silent'), now: () => hour });

describe('accounting', () => {
  it('counts per message (several readings at once) as per reading', () => {
    const accounting = make();
    accounting.received('d', hour, 20);
    accounting.accepted('d', hour, 19);
    accounting.rejected('d', hour, 'WX_ERR_OUT_OF_RANGE', 1);
    accounting.written('d', hour, 12);
    expect(accounting.pendingTotal()).toBe(7);
    accounting.written('d', hour, 7);
    expect(accounting.check()).toBe(0);
    expect(accounting.report(1)[0]).toMatchObject({ received: 20, written: 19, pending: 0, gap: 0 });
  });

  it('owes the readings recovered from the spool, and flags a write nobody was owed', () => {
    const accounting = make();
    accounting.recoveredFromSpool('d', hour - 3_600_000, 5);
    expect(accounting.check()).toBe(0); // owed, pending
    accounting.written('d', hour - 3_600_000, 4);
    accounting.quarantined('d', hour - 3_600_000, 'WX_ERR_INFLUX_REJECTED');
    expect(accounting.check()).toBe(0);
    accounting.written('e', hour, 1); // neither accepted nor recovered
    expect(accounting.check()).toBe(1);
    expect(accounting.report(2).find((row) => row.device === 'e')?.gap).toBe(-1);
  });
});
