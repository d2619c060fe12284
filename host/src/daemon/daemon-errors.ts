// The typed errors of the daemon and of the CLI talking to it.
import { RtinferError } from '../errors.js';

export class UnknownBenchError extends RtinferError {
  constructor(bench: string, broker: string, known: string[], waitedMs: number) {
    super('unknown_bench', `no bench "${bench}" on ${broker} (waited ${waitedMs} ms for its daemon's info)${known.length ? `; benches seen: ${known.join(', ')}` : '; no benches seen: is `rtinfer daemon` running?'}`, {
      bench,
      broker,
      known: known.join(', '),
      waitedMs,
    });
  }
}

export class BenchOfflineError extends RtinferError {
  constructor(bench: string, broker: string) {
    super('bench_offline', `bench "${bench}" on ${broker} is offline (its daemon stopped or lost the broker)`, { bench, broker });
  }
}

export class UnknownDeviceError extends RtinferError {
  constructor(bench: string, device: string, known: string[]) {
    super('unknown_device', `bench "${bench}" has no device "${device}"; its devices: ${known.join(', ') || 'none'}`, { bench, device, known: known.join(', ') });
  }
}

export class DeviceOfflineError extends RtinferError {
  constructor(bench: string, device: string, lastError: string | undefined) {
    super('device_offline', `${device} on bench "${bench}" is offline${lastError ? `: ${lastError}` : ''}`, { bench, device, lastError });
  }
}

export class BrokerUnreachableError extends RtinferError {
  constructor(broker: string, attempts: number, lastError: string) {
    super('broker_unreachable', `cannot reach the MQTT broker at ${broker} after ${attempts} attempts: ${lastError}`, { broker, attempts, lastError });
  }
}

export class DaemonTimeoutError extends RtinferError {
  constructor(bench: string, method: string, timeoutMs: number) {
    super('daemon_timeout', `the daemon of bench "${bench}" did not answer ${method} within ${timeoutMs} ms`, { bench, method, timeoutMs });
  }
}

export class BadRequestError extends RtinferError {
  constructor(detail: string) {
    super('bad_request', detail, {});
  }
}

export class DeviceBusyError extends RtinferError {
  constructor(device: string, job: string) {
    super('device_busy', `${device} is busy with ${job}; try again when it is done`, { device, job });
  }
}
