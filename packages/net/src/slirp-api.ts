import { createConnection } from 'node:net';
import { NetError } from './net-error.js';
import { describeMapping, type PortMapping } from './publish.js';

interface ApiReply {
  return?: unknown;
  error?: { desc?: string };
}

/** One request on slirp4netns' API socket: it answers one JSON object and closes. */
function apiCall(socketPath: string, request: object): Promise<ApiReply> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = createConnection(socketPath);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', (error) => reject(new NetError('NETWORK_FAILED', `slirp4netns API ${socketPath}: ${error.message}`, { cause: error })));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(text) as ApiReply);
      } catch {
        reject(new NetError('NETWORK_FAILED', `slirp4netns API: unreadable reply ${JSON.stringify(text)}`));
      }
    });
    socket.end(JSON.stringify(request));
  });
}

/** Forwards a host port to the container through slirp4netns' `add_hostfwd`, checking the reply. */
export async function addHostForward(socketPath: string, mapping: PortMapping): Promise<void> {
  const reply = await apiCall(socketPath, {
    execute: 'add_hostfwd',
    arguments: { proto: mapping.protocol, host_addr: mapping.hostIp, host_port: mapping.hostPort, guest_port: mapping.containerPort },
  });
  if (reply.error !== undefined || reply.return === undefined) {
    const reason = reply.error?.desc ?? 'no result in the reply';
    throw new NetError('NETWORK_FAILED', `--publish: slirp4netns cannot forward host port ${describeMapping(mapping)}: ${reason}`);
  }
}
