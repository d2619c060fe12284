// A GDB remote serial protocol client over TCP: what `rtinfer flash` needs of any GDB server (QEMU's -gdb,
// OpenOCD, st-util, J-Link, pyOCD): memory reads and writes, the flash commands, registers, monitor commands and
// detach. One command at a time, each with a bounded wait; no npm package speaks RSP (only GDB/MI wrappers).
import { connect, type Socket } from 'node:net';
import { RtinferError } from '../errors.js';
import { encodePacket, escapeBinary, fromHex, RspParser, toHex } from './rsp-packet.js';

export class GdbRemoteError extends RtinferError {}

export interface GdbEndpoint {
  host: string;
  port: number;
}

/** `gdb://host:port` (or `host:port`, or `:port` for localhost). */
export function parseGdbUrl(text: string): GdbEndpoint {
  const match = /^(?:gdb:\/\/)?(\[[^\]]+\]|[^:/]*):(\d{1,5})\/?$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || !(port >= 1 && port <= 65535)) {
    throw new GdbRemoteError('bad_probe', `"${text}" is not a GDB server address; expected gdb://HOST:PORT (e.g. gdb://localhost:3333)`, { probe: text });
  }
  return { host: match[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', port };
}

export interface MemoryRegion {
  type: 'ram' | 'rom' | 'flash';
  start: number;
  length: number;
  /** Flash only: the erase block size. */
  blockSize?: number;
}

/** Regions of a `qXfer:memory-map:read` answer (GDB's memory-map DTD). */
export function parseMemoryMap(xml: string): MemoryRegion[] {
  const regions: MemoryRegion[] = [];
  for (const match of xml.matchAll(/<memory\s([^>]*?)(\/>|>([\s\S]*?)<\/memory>)/g)) {
    const attribute = (name: string) => new RegExp(`${name}\\s*=\\s*"([^"]*)"`).exec(match[1]!)?.[1];
    const type = attribute('type');
    const start = Number(attribute('start'));
    const length = Number(attribute('length'));
    if ((type !== 'ram' && type !== 'rom' && type !== 'flash') || !Number.isFinite(start) || !Number.isFinite(length)) continue;
    const blockSize = Number(/<property\s+name="blocksize"\s*>\s*([^<]+?)\s*<\/property>/.exec(match[3] ?? '')?.[1]);
    regions.push({ type, start, length, ...(Number.isFinite(blockSize) && blockSize > 0 ? { blockSize } : {}) });
  }
  return regions;
}

interface Waiter {
  resolve: (payload: Uint8Array) => void;
  reject: (error: Error) => void;
}

export interface CommandOptions {
  timeoutMs?: number;
  /** Console output (`O` packets) the server sends before its answer, e.g. for `qRcmd`. */
  onOutput?: (text: string) => void;
}

const DEFAULT_TIMEOUT_MS = 3000;
const MAX_RESENDS = 3;

export class GdbRemote {
  /** The server's `qSupported` features: `name` → value (`+`, `-`, or the text after `=`). */
  readonly features = new Map<string, string>();
  /** Largest packet the server accepts (PacketSize), bytes. */
  packetSize = 400;
  private readonly parser = new RspParser();
  private acks = true;
  private waiter: Waiter | undefined;
  private lastSent: Uint8Array | undefined;
  private resends = 0;
  private closedWith: Error | undefined;
  private writeVerb: 'X' | 'M' | undefined;
  /** Where console output of the command in flight goes. */
  private output: ((text: string) => void) | undefined;
  /** The command in flight asks for a stop reply (`?`); any other stop reply is not an answer. */
  private expectStop = false;
  /** Called on the server's next '+'. */
  private onAck: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly description: string,
    /** Bound on each command that names none. */
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const closed = (why: string) => {
      this.closedWith ??= new GdbRemoteError('gdb_closed', `the GDB server at ${description} closed the connection${why}`, { server: description });
      this.waiter?.reject(this.closedWith);
      this.waiter = undefined;
    };
    socket.on('error', (error) => closed(`: ${error.message}`));
    socket.on('close', () => closed(''));
  }

  /** Connects and negotiates features (and no-ack mode where offered). `timeoutMs` bounds the connection and then each command that names no bound of its own. */
  static async connect(endpoint: GdbEndpoint, options: { timeoutMs?: number } = {}): Promise<GdbRemote> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const description = `${endpoint.host}:${endpoint.port}`;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new GdbRemoteError('gdb_unreachable', `no GDB server answered at ${description} within ${timeoutMs} ms`, { server: description, timeoutMs }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new GdbRemoteError('gdb_unreachable', `cannot reach a GDB server at ${description}: ${error.code ?? error.message} (is it running, e.g. QEMU with -gdb tcp::${endpoint.port}, or openocd?)`, { server: description, reason: error.code ?? error.message }));
      });
    });
    const remote = new GdbRemote(socket, description, timeoutMs);
    try {
      await remote.negotiate();
    } catch (error) {
      remote.close();
      throw error;
    }
    return remote;
  }

  private async negotiate(): Promise<void> {
    const reply = await this.command('qSupported:multiprocess-;swbreak+;hwbreak+;qRelocInsn-;vContSupported+');
    for (const feature of reply.split(';')) {
      const equals = feature.indexOf('=');
      if (equals > 0) this.features.set(feature.slice(0, equals), feature.slice(equals + 1));
      else if (feature) this.features.set(feature.slice(0, -1), feature.slice(-1));
    }
    const size = parseInt(this.features.get('PacketSize') ?? '', 16);
    if (size >= 64) this.packetSize = size;
    if (this.features.get('QStartNoAckMode') === '+' && (await this.command('QStartNoAckMode')) === 'OK') this.acks = false;
  }

  private receive(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) {
      if (event.kind === 'ack') this.onAck?.();
      else if (event.kind === 'nack' && this.lastSent && this.resends < MAX_RESENDS) {
        this.resends++;
        this.socket.write(this.lastSent);
      } else if (event.kind === 'packet' || event.kind === 'overflow') {
        const ok = event.kind === 'packet' && event.ok;
        if (this.acks) this.socket.write(ok ? '+' : '-');
        if (ok) this.deliver(event.payload);
        else if (!this.acks) this.fail(new GdbRemoteError('gdb_protocol', `the GDB server at ${this.description} sent a packet with a bad checksum (no-ack mode cannot ask again)`, { server: this.description }));
      }
    }
  }

  private deliver(payload: Uint8Array): void {
    // `O` + hex: console output sent ahead of the answer (not the `OK` answer itself).
    const consoleBytes = payload[0] === 0x4f && payload.length > 1 ? fromHex(Buffer.from(payload.subarray(1)).toString('latin1')) : undefined;
    if (consoleBytes) {
      this.output?.(Buffer.from(consoleBytes).toString('utf8'));
      return;
    }
    // A stop reply nobody asked for: QEMU stops a running machine when a client connects and says so, which
    // can cross the client's first command. Only `?` asks for one here (`c` is never awaited).
    if (!this.expectStop && (payload[0] === 0x54 || payload[0] === 0x53) && /^[ST][0-9a-fA-F]{2}/.test(Buffer.from(payload.subarray(0, 3)).toString('latin1'))) return;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(payload);
  }

  private fail(error: Error): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  /** Sends one packet and waits for its answer (as bytes). */
  async commandBytes(payload: string | Uint8Array, options: CommandOptions = {}): Promise<Uint8Array> {
    if (this.closedWith) throw this.closedWith;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const name = commandName(payload);
    this.lastSent = encodePacket(payload);
    this.resends = 0;
    this.output = options.onOutput;
    this.expectStop = name === '?';
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        this.waiter = { resolve, reject };
        timer = setTimeout(() => {
          this.waiter = undefined;
          reject(new GdbRemoteError('gdb_timeout', `the GDB server at ${this.description} did not answer ${name} within ${timeoutMs} ms`, { server: this.description, command: name, timeoutMs }));
        }, timeoutMs);
        this.socket.write(this.lastSent!);
      });
    } finally {
      clearTimeout(timer);
      this.output = undefined;
    }
  }

  /** The same, answer as text; an `Enn` answer is a GdbRemoteError naming the command. */
  async command(payload: string | Uint8Array, options: CommandOptions = {}): Promise<string> {
    const reply = Buffer.from(await this.commandBytes(payload, options)).toString('latin1');
    if (/^E[0-9a-fA-F]{2}$/.test(reply) || reply.startsWith('E.')) {
      throw new GdbRemoteError('gdb_error', `the GDB server at ${this.description} refused ${commandName(payload)}: ${reply}`, { server: this.description, command: commandName(payload), reply });
    }
    return reply;
  }

  /** Bytes per `m`/`M`/`X` request: what fits the server's packet with hex (or worst-case escaping) and the header. */
  private get chunkBytes(): number {
    return Math.max(16, Math.floor((this.packetSize - 32) / 2));
  }

  async readMemory(address: number, length: number, options: CommandOptions = {}): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const count = Math.min(this.chunkBytes, length - done);
      const reply = await this.command(`m${hex(address + done)},${count.toString(16)}`, options);
      const bytes = fromHex(reply);
      if (!bytes || bytes.length === 0) throw new GdbRemoteError('gdb_protocol', `the GDB server at ${this.description} answered m${hex(address + done)} with "${reply.slice(0, 40)}", not memory`, { server: this.description, address: address + done });
      out.set(bytes.subarray(0, length - done), done);
      done += bytes.length;
    }
    return out;
  }

  /** Writes through `X` (binary) where the server takes it, else `M` (hex). */
  async writeMemory(address: number, data: Uint8Array, options: CommandOptions = {}): Promise<void> {
    for (let done = 0; done < data.length; ) {
      const part = data.subarray(done, done + this.chunkBytes);
      await this.writeChunk(address + done, part, options);
      done += part.length;
    }
  }

  private async writeChunk(address: number, part: Uint8Array, options: CommandOptions): Promise<void> {
    if (this.writeVerb !== 'M') {
      const reply = await this.command(Buffer.concat([Buffer.from(`X${hex(address)},${part.length.toString(16)}:`, 'latin1'), escapeBinary(part)]), options);
      if (reply === 'OK') {
        this.writeVerb = 'X';
        return;
      }
      if (reply !== '' || this.writeVerb === 'X') throw this.unexpected('X', reply);
      this.writeVerb = 'M'; // an empty answer: X is not supported
    }
    const reply = await this.command(`M${hex(address)},${part.length.toString(16)}:${toHex(part)}`, options);
    if (reply !== 'OK') throw this.unexpected('M', reply);
  }

  /** GDB's flash commands (servers that have a memory map with flash: OpenOCD, st-util, J-Link, pyOCD). */
  async flashErase(address: number, length: number): Promise<void> {
    const reply = await this.command(`vFlashErase:${hex(address)},${hex(length)}`, { timeoutMs: 60_000 });
    if (reply !== 'OK') throw this.unexpected('vFlashErase', reply);
  }

  async flashWrite(address: number, data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length; ) {
      const part = data.subarray(done, done + this.chunkBytes);
      const reply = await this.command(Buffer.concat([Buffer.from(`vFlashWrite:${hex(address + done)}:`, 'latin1'), escapeBinary(part)]), { timeoutMs: 30_000 });
      if (reply !== 'OK') throw this.unexpected('vFlashWrite', reply);
      done += part.length;
    }
  }

  async flashDone(): Promise<void> {
    const reply = await this.command('vFlashDone', { timeoutMs: 60_000 });
    if (reply !== 'OK') throw this.unexpected('vFlashDone', reply);
  }

  /** The target's memory map, or undefined where the server has none (QEMU). */
  async memoryMap(): Promise<MemoryRegion[] | undefined> {
    if (this.features.get('qXfer:memory-map:read') !== '+') return undefined;
    return parseMemoryMap(await this.readObject('memory-map', ''));
  }

  /**
   * The target description (target.xml), or undefined where the server has none. Reading it is also what
   * tells some servers (QEMU) that the client knows their register numbering, which `p`/`P` need there.
   */
  async targetDescription(): Promise<string | undefined> {
    if (this.features.get('qXfer:features:read') !== '+') return undefined;
    return this.readObject('features', 'target.xml');
  }

  /** A `qXfer:OBJECT:read:ANNEX` object, read in packet-sized parts. */
  private async readObject(object: string, annex: string): Promise<string> {
    let text = '';
    for (;;) {
      const reply = await this.command(`qXfer:${object}:read:${annex}:${text.length.toString(16)},${(this.packetSize - 8).toString(16)}`);
      if (reply[0] !== 'm' && reply[0] !== 'l') throw this.unexpected(`qXfer:${object}:read`, reply);
      text += reply.slice(1);
      if (reply[0] === 'l') return text;
    }
  }

  /** A 32-bit register by its GDB number (ARM: r0–r12, sp 13, lr 14, pc 15, xpsr 25), little-endian. */
  async writeRegister(number: number, value: number): Promise<void> {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(value >>> 0);
    const reply = await this.command(`P${number.toString(16)}=${toHex(bytes)}`);
    if (reply !== 'OK') throw this.unexpected(`P${number.toString(16)}`, reply);
  }

  async readRegister(number: number): Promise<number> {
    const reply = await this.command(`p${number.toString(16)}`);
    const bytes = fromHex(reply);
    if (!bytes || bytes.length < 4) throw this.unexpected(`p${number.toString(16)}`, reply);
    return Buffer.from(bytes).readUInt32LE(0);
  }

  /** `monitor CMD` (qRcmd): the server's own commands; resolves with their console output, or undefined if unsupported. */
  async monitor(text: string, options: CommandOptions = {}): Promise<string | undefined> {
    let output = '';
    const reply = await this.command(`qRcmd,${toHex(Buffer.from(text, 'utf8'))}`, { ...options, onOutput: (part) => (output += part) });
    if (reply === '') return undefined;
    if (reply !== 'OK') {
      const bytes = fromHex(reply);
      return output + (bytes ? Buffer.from(bytes).toString('utf8') : reply);
    }
    return output;
  }

  /** Detaches: the target runs on (GDB's `detach`). */
  async detach(): Promise<void> {
    const reply = await this.command('D');
    if (reply !== 'OK') throw this.unexpected('D', reply);
  }

  /** Continues the core and hangs up: `c` is answered only when the core stops again, which is not awaited. */
  async run(): Promise<void> {
    if (this.closedWith) throw this.closedWith;
    // In ack mode, the server's '+' says it has the packet; hanging up before that could lose it. Bounded.
    let timer: NodeJS.Timeout | undefined;
    const acked = this.acks ? new Promise<void>((resolve) => {
      this.onAck = resolve;
      timer = setTimeout(resolve, 1000);
    }) : Promise.resolve();
    await new Promise<void>((resolve, reject) => this.socket.write(encodePacket('c'), (error) => (error ? reject(error) : resolve())));
    await acked.finally(() => clearTimeout(timer));
    this.onAck = undefined;
  }

  close(): void {
    this.closedWith ??= new GdbRemoteError('gdb_closed', `the connection to the GDB server at ${this.description} was closed`, { server: this.description });
    this.socket.destroy();
  }

  private unexpected(command: string, reply: string): GdbRemoteError {
    const shown = reply === '' ? 'an empty answer (not supported)' : `"${reply.slice(0, 60)}"`;
    return new GdbRemoteError('gdb_protocol', `the GDB server at ${this.description} answered ${command} with ${shown}`, { server: this.description, command, reply: reply.slice(0, 60) });
  }
}

const hex = (value: number) => (value >>> 0).toString(16);

/** The command's verb for messages: the letters before its arguments. */
function commandName(payload: string | Uint8Array): string {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload.subarray(0, 40)).toString('latin1');
  return /^(v[A-Za-z]+|q[A-Za-z]+|Q[A-Za-z]+|[A-Za-z?])/.exec(text)?.[1] ?? text.slice(0, 8);
}
