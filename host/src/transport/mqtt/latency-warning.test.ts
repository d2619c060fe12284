import { describe, expect, it } from 'vitest';
import { brokerLatencyWarning, isLocalAddress, NAGLE_SUSPECT_MEDIAN_US } from './latency-warning.js';

describe('isLocalAddress', () => {
  it.each(['127.0.0.1', '127.255.0.9', '10.0.0.2', '172.16.0.1', '172.31.255.254', '192.168.1.20', '169.254.3.4', '::1', '::ffff:127.0.0.1', '::ffff:192.168.0.7', 'fd12:3456::1', 'FC00::5', 'fe80::1'])(
    '%s is local',
    (address) => expect(isLocalAddress(address)).toBe(true),
  );
  it.each(['8.8.8.8', '172.15.0.1', '172.32.0.1', '192.169.0.1', '11.0.0.1', '100.64.0.1', '2001:db8::1', '::ffff:8.8.8.8', 'broker.lab', '', 'fe00::1'])(
    '%s is not',
    (address) => expect(isLocalAddress(address)).toBe(false),
  );
});

describe('brokerLatencyWarning', () => {
  it('warns about a slow median through a local broker, naming the cause and the setting', () => {
    const warning = brokerLatencyWarning('127.0.0.1', 43_900);
    expect(warning).toContain('median round trip 43.9 ms through the broker at 127.0.0.1');
    expect(warning).toMatch(/Nagle's algorithm meeting delayed ACKs/);
    expect(warning).toContain('set_tcp_nodelay true');
    expect(warning).toContain('tcp_options.nodelay = true');
  });

  it('stays quiet at or below the threshold, for a remote broker, or when the address is unknown', () => {
    expect(brokerLatencyWarning('127.0.0.1', NAGLE_SUSPECT_MEDIAN_US)).toBeUndefined();
    expect(brokerLatencyWarning('10.0.0.2', NAGLE_SUSPECT_MEDIAN_US + 1)).toBeDefined();
    expect(brokerLatencyWarning('127.0.0.1', 450)).toBeUndefined();
    expect(brokerLatencyWarning('203.0.113.9', 43_900)).toBeUndefined();
    expect(brokerLatencyWarning(undefined, 43_900)).toBeUndefined();
    expect(brokerLatencyWarning('127.0.0.1', Number.NaN)).toBeUndefined();
  });
});
