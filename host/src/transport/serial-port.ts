// Opening and closing a node-serialport port, with open failures turned into typed errors.
import { SerialPort } from 'serialport';
import { PortError } from '../errors.js';
import { applySerialportPollerFix } from './serialport-poller-fix.js';

applySerialportPollerFix();

export interface OpenPortOptions {
  /** Ignored by pseudo-terminals; must match a board's UART. */
  baudRate?: number;
  /** An exclusive flock, so a second program opening the board fails loudly instead of stealing bytes. */
  lock?: boolean;
}

export async function openSerialPort(path: string, options: OpenPortOptions = {}): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: options.baudRate ?? 115_200, autoOpen: false, lock: options.lock ?? false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(describeOpenError(path, error)) : resolve())));
  return port;
}

export async function closeSerialPort(port: SerialPort): Promise<void> {
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

function describeOpenError(path: string, error: Error): PortError {
  const text = error.message;
  if (/lock/i.test(text)) {
    return new PortError('port_busy', `${path} is held by another program (${text}); close it or stop the daemon that owns it`, { path });
  }
  if (/ENOENT|No such file/i.test(text)) {
    return new PortError('port_missing', `${path} does not exist: is the board plugged in? (\`rtinfer devices\` lists what is)`, { path });
  }
  if (/EACCES|Permission denied/i.test(text)) {
    return new PortError('port_permission', `no permission to open ${path}: add yourself to the dialout group, then log in again`, { path });
  }
  return new PortError('port_open_failed', `cannot open ${path}: ${text}`, { path });
}
