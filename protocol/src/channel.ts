// Which frame channel a message travels on (SPEC.md §2.1). Channels only order a sender's queue and
// a receiver's statistics; a receiver handles a message by its type on any channel.
import { Channel } from './frame.js';
import type { MessageName } from './messages.js';

/**
 * A message with an id (a request, or the reply to one, such as the MODEL_ACK answering MODEL_BEGIN)
 * and every ERROR go on control; MODEL_CHUNK and the id-0 MODEL_ACK on bulk; TRACE on trace; LOG on log.
 */
export function channelFor(type: MessageName, id: number): number {
  switch (type) {
    case 'MODEL_CHUNK':
    case 'MODEL_ACK':
      return id === 0 ? Channel.BULK : Channel.CONTROL;
    case 'TRACE':
      return Channel.TRACE;
    case 'LOG':
      return Channel.LOG;
    default:
      return Channel.CONTROL;
  }
}
