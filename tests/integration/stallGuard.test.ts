// The stall guard against a real local server: a whole download passes through unchanged, a body that stops
// half-way and a response that never starts both fail as stalled, and a slow but moving download does not.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StalledDownloadError, stallGuardedFetch } from '../../src/engine/stallGuard';
import { classifyLoadError } from '../../src/engine/modelLoader';

const BODY = Buffer.alloc(64 * 1024, 7);
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/whole') {
      res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
    } else if (req.url === '/half') {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, BODY.length / 2));
    } else if (req.url === '/trickle') {
      // 8 chunks, 400 ms apart: slower than the guard's time in all, never silent for as long.
      res.writeHead(200, { 'content-length': BODY.length });
      let sent = 0;
      const next = () => {
        res.write(BODY.subarray(sent, sent + BODY.length / 8));
        sent += BODY.length / 8;
        if (sent < BODY.length) setTimeout(next, 400);
        else res.end();
      };
      next();
    }
    // '/silent': never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const guarded = stallGuardedFetch((input, init) => fetch(input, init), () => 1500);

describe('stallGuardedFetch', () => {
  it('passes a whole download through with its status, headers and bytes', async () => {
    const response = await guarded(`${base}/whole`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(BODY.length));
    expect(response.url).toBe(`${base}/whole`);
    expect(Buffer.from(await response.arrayBuffer()).equals(BODY)).toBe(true);
  });

  it('fails a body that stops arriving as stalled, naming the URL', async () => {
    const response = await guarded(`${base}/half`);
    const error = await response.arrayBuffer().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(StalledDownloadError);
    expect((error as Error).message).toContain('/half');
    expect(classifyLoadError(error, 'model x').code).toBe('stalled');
  });

  it('fails a response that never starts as stalled', async () => {
    await expect(guarded(`${base}/silent`)).rejects.toBeInstanceOf(StalledDownloadError);
  });

  it('lets a slow download that keeps moving finish', async () => {
    const response = await guarded(`${base}/trickle`);
    expect(Buffer.from(await response.arrayBuffer()).equals(BODY)).toBe(true);
  });

  it('classifies the runtime messages of damaged files as bad_file, never as a raw internal error', () => {
    for (const message of [
      "Can't create a session. ERROR_CODE: 7, ERROR_MESSAGE: Failed to load model because protobuf parsing failed.",
      "Cannot read properties of null (reading 'getReader')",
      'Unexpected token \'v\', "version ht"... is not valid JSON',
    ]) {
      expect(classifyLoadError(new Error(message), 'model x').code).toBe('bad_file');
    }
  });
});
