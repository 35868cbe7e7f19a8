// The built-in bulk sink (when iperf3 is not installed): accepts TCP connections and discards what it reads. argv = port.
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
createServer((socket) => {
  socket.on('data', () => {});
  socket.on('error', () => {});
}).listen(port, '127.0.0.1');
