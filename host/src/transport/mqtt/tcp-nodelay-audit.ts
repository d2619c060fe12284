// Reads TCP_NODELAY from the kernel for every established TCP connection a
// process holds on a port: the tests' proof that each socket rtinfer opens or
// serves has Nagle off (tcp-nodelay.ts), and that a Mosquitto it starts does
// too. Linux only: /proc names the sockets, and a perl child copies each
// descriptor with pidfd_getfd(2) (Linux ≥ 5.6; root or ptrace rights over the
// process) and asks getsockopt(2). perl is in every Debian base system.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { RtinferError } from '../../errors.js';

export interface TcpConnectionOption {
  fd: number;
  localPort: number;
  remotePort: number;
  noDelay: boolean;
}

const ESTABLISHED = '01';

/** inode → ports of the established TCP connections in the network namespace of `pid`. */
function establishedConnections(pid: number): Map<string, { localPort: number; remotePort: number }> {
  const connections = new Map<string, { localPort: number; remotePort: number }>();
  for (const table of ['tcp', 'tcp6']) {
    const lines = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const [, local, remote, state, , , , , , inode] = line.trim().split(/\s+/);
      if (state !== ESTABLISHED || !local || !remote || !inode) continue;
      connections.set(inode, { localPort: parseInt(local.split(':').pop()!, 16), remotePort: parseInt(remote.split(':').pop()!, 16) });
    }
  }
  return connections;
}

// pidfd_open is 434 and pidfd_getfd 438 on every architecture of the generic syscall table (x86-64, arm64).
// perl's syscall() passes strings as pointers, hence the `+ 0`s.
const PERL_GETSOCKOPT = `
use Socket qw(IPPROTO_TCP TCP_NODELAY);
my ($pid, @fds) = @ARGV;
my $pidfd = syscall(434, $pid + 0, 0);
die "pidfd_open($pid): $!\\n" if $pidfd < 0;
for my $fd (@fds) {
  my $copy = syscall(438, $pidfd + 0, $fd + 0, 0);
  die "pidfd_getfd($pid, $fd): $!\\n" if $copy < 0;
  open(my $socket, '+<&=', $copy) or die "fdopen $copy: $!\\n";
  my $value = getsockopt($socket, IPPROTO_TCP, TCP_NODELAY);
  defined $value or die "getsockopt TCP_NODELAY on $fd: $!\\n";
  print "$fd ", unpack('i', $value), "\\n";
}`;

/** Every established TCP connection of process `pid` whose local or remote port is `port`, with its TCP_NODELAY. */
export function tcpNoDelayOf(pid: number, port: number): TcpConnectionOption[] {
  const connections = establishedConnections(pid);
  const found = new Map<number, { localPort: number; remotePort: number }>();
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${name}`);
    } catch {
      continue; // closed while we looked
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const ports = inode === undefined ? undefined : connections.get(inode);
    if (ports && (ports.localPort === port || ports.remotePort === port)) found.set(Number(name), ports);
  }
  if (found.size === 0) return [];
  const perl = spawnSync('perl', ['-e', PERL_GETSOCKOPT, String(pid), ...[...found.keys()].map(String)], { encoding: 'utf8' });
  if (perl.status !== 0) {
    throw new RtinferError('sockopt_unreadable', `cannot read TCP_NODELAY of process ${pid}: ${perl.error?.message ?? perl.stderr.trim()}`, { pid, port });
  }
  return perl.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [fd, value] = line.split(' ').map(Number) as [number, number];
      return { fd, ...found.get(fd)!, noDelay: value !== 0 };
    });
}
