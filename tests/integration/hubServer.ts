// A local stand-in for the Hub on 127.0.0.1: serves /<org>/<name>/resolve/main/<file> from the bundled
// model's folder, with the CORS headers the Hub sends (a page on another origin fetches from it), and can be
// told to drop a file's connection half-way.
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'content-length', 'cross-origin-resource-policy': 'cross-origin' };

export interface HubServer {
  url: string;
  requests: string[];
  /** From now on, drop this file's connection half-way (undefined: serve everything whole). */
  dropFile(file: string | undefined): void;
  close(): Promise<void>;
}

/** sizes: content-length a HEAD request reports for these files (a model too large to download, say). */
export async function startHubServer(options: { repo: string; folder: string; dropFile?: string; sizes?: Record<string, number> }): Promise<HubServer> {
  const requests: string[] = [];
  let drop = options.dropFile;
  const prefix = `/${options.repo}/resolve/main/`;
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(req.method === 'HEAD' ? `HEAD ${path}` : path);
    const file = path.startsWith(prefix) ? join(options.folder, path.slice(prefix.length)) : '';
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain', ...CORS }).end('Entry not found');
      return;
    }
    const body = readFileSync(file);
    if (req.method === 'HEAD') {
      const size = options.sizes?.[path.slice(prefix.length)] ?? body.length;
      res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream', ...CORS }).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream', ...CORS });
    if (drop && path.endsWith(drop)) {
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
    dropFile: (file) => { drop = file; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
