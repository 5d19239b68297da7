import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressKey, canonicalAddress, createExemption, unknownAddressKey } from '../../services/address-key.ts';

describe('addressKey', () => {
  it('keeps an IPv4 address as it is', () => {
    for (const address of ['0.0.0.0', '1.2.3.4', '127.0.0.1', '203.0.113.250', '255.255.255.255']) expect(addressKey(address)).toBe(address);
  });

  it('reads an IPv4-mapped IPv6 address as its IPv4 address, in any spelling', () => {
    for (const address of ['::ffff:1.2.3.4', '::FFFF:1.2.3.4', '0:0:0:0:0:ffff:1.2.3.4', '::ffff:102:304', '0::ffff:0102:0304', '0:0:0:0:0:FFFF:0102:0304', '::ffff:1.2.3.4%eth0']) {
      expect(addressKey(address), address).toBe('1.2.3.4');
    }
    expect(addressKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
  });

  it('gives every IPv6 address of one /64 the same key, whatever its spelling', () => {
    const one = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:DB8:1:2:FFFF:FFFF:FFFF:FFFF', '2001:0db8:0001:0002:0000:0000:0000:0001', '2001:db8:1:2:0:0:0:1', '2001:db8:1:2::1%eth0', '2001:db8:1:2:a:b:1.2.3.4', '2001:db8:1:2::'];
    for (const address of one) expect(addressKey(address), address).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8::/64');
    expect(addressKey('2001:db8:0:0:1::1')).toBe('2001:db8::/64');
    expect(addressKey('fe80::1%lo')).toBe('fe80::/64');
    expect(addressKey('fe80::abcd%2')).toBe('fe80::/64');
    expect(addressKey('1:2:3:4:5:6:7:8')).toBe('1:2:3:4::/64');
    expect(addressKey('::2')).toBe('::/64');
    expect(addressKey('::')).toBe('::/64');
    expect(addressKey('::1.2.3.4')).toBe('::/64');
  });

  it('keeps IPv6 loopback its own key, not the /64 around it', () => {
    for (const address of ['::1', '0:0:0:0:0:0:0:1', '0::0:1', '::0001', '::1%lo']) expect(addressKey(address), address).toBe('::1');
  });

  it('gives text that is no address one shared key, however it is made up', () => {
    const hostile = [
      undefined, null, '', ' ', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', '1.2.3', '1.2.3.4.5', '1.2.3.256', '01.2.3.4', '1.2.3.04', '1.2.3.-1', '1.2.3.0x1', '１.2.3.4',
      '::1::', ':::', '1::2::3', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8', '12345::1', 'g::1', '::ffff:1.2.3', '::ffff:1.2.3.4.5',
      '1.2.3.4::', '1.2.3.4:1::', '::1.2.3.4:5', '::1%', '%eth0', '::1%eth0%eth1', '::1%eth 0', `::1%${'a'.repeat(100)}`, `${'0:'.repeat(40)}1`, 'a'.repeat(100_000), 'localhost', 'unknown', '[::1]', '::1/64', '2001:db8::/64', '__proto__', 'constructor',
    ];
    for (const text of hostile) expect(addressKey(text), JSON.stringify(text)?.slice(0, 60)).toBe(unknownAddressKey);
  });

  it('agrees with Node on what is an address (random texts from address alphabets)', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = '0123456789abcdefABCDEF:.%';
    let valid = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const length = 1 + random(24);
      let text = '';
      for (let j = 0; j < length; j += 1) text += alphabet[random(alphabet.length)];
      const nodeSays = isIP(text) !== 0;
      const weSay = canonicalAddress(text) !== null;
      expect(weSay, text).toBe(nodeSays);
      if (weSay) valid += 1;
    }
    expect(valid).toBeGreaterThan(0);
  });

  it('spells an address as WHATWG URL does (RFC 5952), for random addresses with runs of zeros', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 5_000; i += 1) {
      const groups = Array.from({ length: 8 }, () => (random(3) === 0 ? random(0x10000) : 0));
      if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) continue;
      const spelled = groups.map((group) => group.toString(16).padStart(random(2) === 0 ? 4 : 1, '0')).map((group) => (random(2) === 0 ? group.toUpperCase() : group)).join(':');
      const expected = new URL(`http://[${spelled}]/`).hostname.slice(1, -1);
      expect(canonicalAddress(spelled), spelled).toBe(expected);
      const prefix = new URL(`http://[${[...groups.slice(0, 4), 0, 0, 0, 0].map((group) => group.toString(16)).join(':')}]/`).hostname.slice(1, -1);
      const loopback = groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1;
      expect(addressKey(spelled), spelled).toBe(loopback ? '::1' : `${prefix}/64`);
    }
  });
});

describe('createExemption', () => {
  const loopback = createExemption(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

  it('spares loopback in every spelling a socket or a setting may use', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', '::FFFF:7F00:1', '::1%lo']) expect(loopback(address), address).toBe(true);
  });

  it('spares single addresses, never their neighbours of a /64', () => {
    for (const address of ['127.0.0.2', '::2', '::', '2001:db8::1', '::ffff:127.0.0.2', undefined, '', 'unknown', 'localhost']) expect(loopback(address), String(address)).toBe(false);
    const proxy = createExemption(['2001:DB8::5']);
    expect(proxy('2001:db8::5')).toBe(true);
    expect(proxy('2001:db8:0:0::5%eth0')).toBe(true);
    expect(proxy('2001:db8::6')).toBe(false);
  });

  it('ignores an entry that is no address, sparing nothing by it', () => {
    const odd = createExemption(['unknown', 'localhost', '']);
    expect(odd('unknown')).toBe(false);
    expect(odd(undefined)).toBe(false);
  });
});
