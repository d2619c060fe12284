// For tests: a GDB server on a real TCP socket, in ack mode, that answers each command as a script says, to
// exercise the protocol's awkward parts and flash semantics that QEMU's server does not have.
import { createServer, type Socket } from 'node:net';
import { encodePacket, RspParser } from './rsp-packet.js';

/** `command` is the decoded payload as latin1 text; `reply` sends one packet. */
export type GdbScript = (command: string, reply: (payload: string) => void, socket: Socket) => void;

export interface ScriptedGdbServer {
  port: number;
  close(): Promise<void>;
}

export async function startScriptedGdbServer(script: GdbScript): Promise<ScriptedGdbServer> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const parser = new RspParser();
    socket.on('data', (chunk) => {
      for (const event of parser.push(chunk)) {
        if (event.kind !== 'packet') continue;
        socket.write('+');
        script(Buffer.from(event.payload).toString('latin1'), (payload) => socket.write(encodePacket(payload)), socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
