// The one seam between a device session and the link it runs over. A transport
// carries whole messages (CBOR bytes): the serial transport frames them
// (COBS + CRC), the MQTT transport publishes them. Nothing above it knows which.
import { EventEmitter } from 'node:events';
import type { FrameError } from '@rtinfer/protocol';

export interface ReceivedMessage {
  bytes: Uint8Array;
  /** Frame channel and flags on serial; channel 0, flags 0 on links without frames. */
  channel: number;
  flags: number;
  /** Bytes the message took on the link, framing included. */
  linkBytes: number;
}

export interface LinkStatistics {
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** Frames dropped by reason, and frames missing from the peer's sequence. */
  dropped: Record<string, number>;
  lost: number;
}

export interface TransportEvents {
  message: (message: ReceivedMessage) => void;
  /** Input that was dropped (bad CRC, garbage, oversize): counted, never fatal. */
  dropped: (error: FrameError) => void;
  /** The link failed (unplugged, closed by the peer): every later write fails. */
  error: (error: Error) => void;
  close: () => void;
}

export interface Transport {
  /** How the link is reached, for people: `serial /dev/ttyACM0`. */
  readonly description: string;
  readonly isOpen: boolean;
  /** The largest message the peer accepts; raised after HELLO. */
  peerMaxMessageBytes: number;
  /** The largest message this side accepts, advertised in HELLO. */
  readonly ownMaxMessageBytes: number;
  /** Opens the link and discards stale input. */
  open(): Promise<void>;
  /** Sends one message; resolves when the link has taken it (backpressure). */
  send(message: Uint8Array, channel: number): Promise<void>;
  close(): Promise<void>;
  statistics(): LinkStatistics;
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this;
  off<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this;
}

/** The event plumbing every transport shares: an EventEmitter typed with TransportEvents. */
export abstract class TransportEmitter extends EventEmitter {
  override on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this {
    return super.off(event, listener);
  }
}
