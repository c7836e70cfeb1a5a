// A fetch that gives up on a download making no progress: no response, or no new bytes of its body, for
// `stallMs`. transformers.js waits on a stalled connection forever; this turns it into an error the page can
// report with a Retry (files that arrived whole before it stay in the browser's cache).

/** How long a download may go without a byte before it counts as stalled. */
export const DEFAULT_STALL_MS = 30_000;

export class StalledDownloadError extends Error {
  constructor(readonly url: string, readonly stallMs: number) {
    super(`the download stalled: no data for ${stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`} from ${url}`);
    this.name = 'StalledDownloadError';
  }
}

type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export function stallGuardedFetch(fetchImpl: Fetch, stallMs: () => number): Fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input.href;
    const limit = stallMs();
    const controller = new AbortController();
    const outer = init?.signal;
    if (outer) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
    }
    const stall = () => controller.abort(new StalledDownloadError(url, limit));
    let timer = setTimeout(stall, limit);
    let response: Response;
    try {
      response = await fetchImpl(input, { ...init, signal: controller.signal });
    } catch (error) {
      throw controller.signal.reason instanceof StalledDownloadError ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
    const body = response.body;
    if (!body) return response;
    const reader = body.getReader();
    const guarded = new ReadableStream<Uint8Array>({
      async pull(sink) {
        timer = setTimeout(stall, limit);
        try {
          const { done, value } = await reader.read();
          if (done) sink.close();
          else sink.enqueue(value);
        } catch (error) {
          sink.error(controller.signal.reason instanceof StalledDownloadError ? controller.signal.reason : error);
        } finally {
          clearTimeout(timer);
        }
      },
      cancel(reason) {
        clearTimeout(timer);
        return reader.cancel(reason);
      },
    });
    const copy = new Response(guarded, { status: response.status, statusText: response.statusText, headers: response.headers });
    // Callers read the final URL after redirects; a constructed Response has none of its own.
    Object.defineProperty(copy, 'url', { value: response.url });
    return copy;
  };
}
