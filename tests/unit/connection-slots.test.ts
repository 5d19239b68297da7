import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createConnectionSlots } from '../../services/connection-slots.ts';

const socket = (name: string) => ({ name }) as unknown as Socket;

describe('connection slots (HJ 212 receiver and MQTT broker)', () => {
  it('at the limit evicts the oldest connection waiting for a login, never a logged-in one nor one whose login is being checked', () => {
    const checking = new Set<Socket>();
    const slots = createConnectionSlots<Socket>({ maxConnections: 3, connectionsPerAddress: 2 }, (s) => !checking.has(s));
    const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map(socket) as [Socket, Socket, Socket, Socket, Socket, Socket];
    expect(slots.admit(a, 'x', false)).toEqual({ admitted: true });
    expect(slots.admit(b, 'y', false)).toEqual({ admitted: true });
    expect(slots.admit(c, 'x', false)).toEqual({ admitted: true });
    expect(slots.admit(d, 'x', false)).toEqual({ admitted: false, reason: 'per_address' });
    slots.loggedIn(a);
    checking.add(b);
    // a is a station's, b's PW is under check: c, the oldest evictable, gives its slot.
    expect(slots.admit(d, 'y', false)).toEqual({ admitted: true, evicted: c });
    expect(slots.size).toBe(3);
    slots.release(c); // its close event, later: nothing more is freed
    expect(slots.size).toBe(3);
    expect(slots.admit(e, 'z', false)).toEqual({ admitted: true, evicted: d });
    slots.loggedIn(e);
    expect(slots.admit(f, 'z', true)).toEqual({ admitted: false, reason: 'limit' });
    checking.delete(b);
    expect(slots.admit(f, 'z', true)).toEqual({ admitted: true, evicted: b });
    expect([...slots.all()]).toEqual([a, e, f]);
  });
});
