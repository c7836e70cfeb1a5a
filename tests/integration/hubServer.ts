// A local stand-in for the Hub on 127.0.0.1: serves /<org>/<name>/resolve/main/<file> from the bundled
// model's folder, and can be told to drop a file's connection half-way.
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface HubServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startHubServer(options: { repo: string; folder: string; dropFile?: string }): Promise<HubServer> {
  const requests: string[] = [];
  const prefix = `/${options.repo}/resolve/main/`;
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = path.startsWith(prefix) ? join(options.folder, path.slice(prefix.length)) : '';
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    if (options.dropFile && path.endsWith(options.dropFile)) {
      res.write(body.subarray(0, body.length >> 1));
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
