import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailuresPerMinute } from '../../services/api/auth.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const reader = 'reader-token-0123456789abcdef';

/** GETs of /api/v1/live with these tokens written at once on one connection (HTTP/1.1 pipelining): each answer's status, in order. */
function pipelined(url: string, tokens: readonly string[], from: string): Promise<number[]> {
  const { hostname, port } = new URL(url);
  const requests = tokens.map((token) => `GET /api/v1/live HTTP/1.1\r\nhost: ${hostname}:${port}\r\nauthorization: Bearer ${token}\r\n\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: from }, () => socket.write(requests));
    let text = '';
    const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (statuses().length >= tokens.length) socket.destroy();
    });
    socket.on('close', () => resolve(statuses()));
    socket.on('error', reject);
  });
}

/** One request with a token on a connection of its own, given up (closed) after `patienceMs`: its status, or null when none came in time. */
function impatient(url: string, token: string, from: string, patienceMs: number): Promise<number | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: from }, () => socket.write(`GET /api/v1/live HTTP/1.1\r\nhost: ${hostname}:${port}\r\nauthorization: Bearer ${token}\r\nconnection: close\r\n\r\n`));
    let text = '';
    const timer = setTimeout(() => socket.destroy(), patienceMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => { text += chunk; });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /HTTP\/1\.1 (\d{3}) /.exec(text);
      resolve(status ? Number(status[1]) : null);
    });
  });
}

const guesses = (count: number, tag: string) => Array.from({ length: count }, (_, n) => `${tag}-guess-${n}-0000000000000`);

/**
 * Red team 13: a throttled wrong token's 429 is held http.wrongTokenDelayMs (red team 12), but each
 * request was held on its own: 300 guesses written at once on one connection (HTTP/1.1 pipelining)
 * were all checked and all answered in one delay, 30,000 in 9 s (3,300 a second, faster than
 * before the delay), each held in memory meanwhile (+112 MB). A guesser that does not wait for its
 * answers (a right token is answered at once) was not slowed at all.
 */
describe('red team: the answers an address has held bound the tokens it may have checked', () => {
  let test: TestPlatform;
  let url: string;

  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', wrongTokenDelayMs: 1_000, tokens: [{ role: 'reader', token: reader }] } });
    url = test.endpoints.httpUrl;
  });
  afterAll(async () => {
    await test?.close();
  });

  it('checks no token of a pipelined burst past the address\'s held answers: the right one at its end is not taken', async () => {
    const from = '127.0.0.4';
    expect(await pipelined(url, guesses(apiFailuresPerMinute, 'warm'), from)).toEqual(Array<number>(apiFailuresPerMinute).fill(401));
    const startedAt = Date.now();
    const statuses = await pipelined(url, [...guesses(299, 'burst'), reader], from);
    // Every answer still comes, and within about one delay (the unchecked ones wait only behind the held ones).
    expect(statuses).toHaveLength(300);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(new Set(statuses)).toEqual(new Set([429]));
    // Once the held answers are out, the right token from the same address is taken again, at once.
    const right = await pipelined(url, [reader], from);
    expect(right).toEqual([200]);
  });

  it('counts an answer held for a client that gave up on it: connections opened and dropped do not buy more checks', async () => {
    const from = '127.0.0.5';
    expect(await pipelined(url, guesses(apiFailuresPerMinute, 'warm'), from)).toEqual(Array<number>(apiFailuresPerMinute).fill(401));
    // A guesser that waits 50 ms for each answer and moves on: a right token would have been answered by then.
    const given = await Promise.all(guesses(100, 'drop').map((token) => impatient(url, token, from, 50)));
    expect(given.filter((status) => status !== null && status !== 429)).toEqual([]);
    expect(await impatient(url, reader, from, 2_000)).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await impatient(url, reader, from, 2_000)).toBe(200);
  });

  // A reverse proxy on this host gives every client its address: a guesser there must not hold back
  // everyone's right tokens (issue 18 item 6). The addresses http.connectionLimitExempt spares
  // (loopback) have every token checked, and their wrong ones held.
  it('still checks every token from a spared address (127.0.0.1, a proxy on this host): the right one at a burst\'s end is taken', async () => {
    const from = '127.0.0.1';
    expect(await pipelined(url, guesses(apiFailuresPerMinute, 'warm'), from)).toEqual(Array<number>(apiFailuresPerMinute).fill(401));
    const statuses = await pipelined(url, [...guesses(99, 'spared'), reader], from);
    expect(statuses).toHaveLength(100);
    expect(new Set(statuses.slice(0, 99))).toEqual(new Set([429]));
    expect(statuses[99]).toBe(200);
  });
});
