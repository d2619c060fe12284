// The human rendering of bench device tables (`rtinfer devices --bench/--all-benches`).
import { renderTable } from '../cli/table.js';
import type { SeenBench } from './bench-client.js';
import type { DeviceRow } from './rpc-messages.js';

export function benchDeviceTable(benches: { bench: string; online: boolean; devices: readonly DeviceRow[] }[]): string[] {
  const rows: string[][] = [];
  for (const bench of benches) {
    if (bench.devices.length === 0) rows.push([bench.bench, '-', bench.online ? '-' : 'bench offline', '-', '-', '-', 'no devices']);
    for (const device of bench.devices) {
      const board = device.hello ? `${device.hello.board} ${device.hello.firmware}` : '-';
      const note = device.state === 'online' ? (device.reconnects ? `${device.reconnects} reconnects` : '') : (device.lastError ?? '');
      rows.push([bench.bench, device.id, bench.online ? device.state : 'bench offline', device.kind, device.address ?? '-', board, note]);
    }
  }
  if (rows.length === 0) return ['no benches seen on the broker (start one with `rtinfer daemon` or `rtinfer sim start --bench <name>`)'];
  return renderTable(['BENCH', 'ID', 'STATE', 'KIND', 'ADDRESS', 'BOARD', 'NOTE'].map((header) => ({ header })), rows);
}

export function seenBenchRows(seen: Map<string, SeenBench>): { bench: string; online: boolean; host?: string; devices: DeviceRow[] }[] {
  return [...seen.entries()]
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([bench, entry]) => ({ bench, online: entry.info.online, ...(entry.info.host ? { host: entry.info.host } : {}), devices: entry.table?.devices ?? [] }));
}

/** One line of the daemon's log for people (under --json, the event object itself). */
export function describeDaemonEvent(event: Record<string, unknown>): string {
  if (event.event === 'device') {
    const why = event.lastError && event.state !== 'online' ? ` — ${event.lastError}` : '';
    return `${event.device}: ${event.state}${event.address ? ` (${event.address})` : ''}${why}`;
  }
  if (event.event === 'request') return `request ${event.method} (${event.id})`;
  return JSON.stringify(event);
}
