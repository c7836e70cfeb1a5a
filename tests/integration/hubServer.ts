// A local stand-in for the Hub on 127.0.0.1: serves /<org>/<name>/resolve/main/<file> from the bundled
// model's folder, with the CORS headers the Hub sends (a page on another origin fetches from it), and can be
// told to misbehave per file: drop the connection half-way, stall half-way, or serve other bytes (a truncated,
// corrupt, empty or Git-LFS-pointer weights file).
import { createServer, type Server, type ServerResponse } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'content-length', 'cross-origin-resource-policy': 'cross-origin' };

export interface HubServer {
  url: string;
  requests: string[];
  /** From now on, drop this file's connection half-way (undefined: serve everything whole). */
  dropFile(file: string | undefined): void;
  /** From now on, send half of this file and then nothing more, keeping the connection open (undefined: none). */
  stallFile(file: string | undefined): void;
  /** From now on, answer requests for this file only after `ms` (undefined: at once). */
  slowFile(file: string | undefined, ms?: number): void;
  /** From now on, serve these bytes for this file instead of the folder's (undefined: the folder's again). */
  serveBody(file: string, body: Buffer | undefined): void;
  close(): Promise<void>;
}

/** A Git-LFS pointer, what a repo cloned without LFS has in place of its weights. */
export function lfsPointer(bytes: Buffer): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${'0'.repeat(64)}\nsize ${bytes.length}\n`);
}

/** sizes: content-length a HEAD request reports for these files (a model too large to download, say). */
export async function startHubServer(options: { repo: string; folder: string; dropFile?: string; sizes?: Record<string, number> }): Promise<HubServer> {
  const requests: string[] = [];
  let drop = options.dropFile;
  let stall: string | undefined;
  let slow: { file: string; ms: number } | undefined;
  const bodies = new Map<string, Buffer>();
  const stalled = new Set<ServerResponse>();
  const prefix = `/${options.repo}/resolve/main/`;
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(req.method === 'HEAD' ? `HEAD ${path}` : path);
    const name = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    const file = name ? join(options.folder, name) : '';
    const override = bodies.get(name);
    if (!override && (!file || !existsSync(file))) {
      res.writeHead(404, { 'content-type': 'text/plain', ...CORS }).end('Entry not found');
      return;
    }
    const body = override ?? readFileSync(file);
    if (req.method === 'HEAD') {
      const size = options.sizes?.[name] ?? body.length;
      res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream', ...CORS }).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream', ...CORS });
    if (drop && path.endsWith(drop)) {
      res.write(body.subarray(0, body.length >> 1));
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    if (slow && path.endsWith(slow.file)) {
      setTimeout(() => res.end(body), slow.ms);
      return;
    }
    if (stall && path.endsWith(stall)) {
      res.write(body.subarray(0, body.length >> 1));
      stalled.add(res);
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
    stallFile: (file) => { stall = file; },
    slowFile: (file, ms = 0) => { slow = file ? { file, ms } : undefined; },
    serveBody: (file, body) => { if (body) bodies.set(file, body); else bodies.delete(file); },
    close: () => new Promise<void>((resolve) => { stalled.clear(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
