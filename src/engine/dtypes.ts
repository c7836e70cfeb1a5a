// Which precisions of a model's weights exist: the catalog knows its models; for any other Hub repo or folder URL
// we ask the server (HEAD on each onnx/model*.onnx), once per folder and page.
import type { Dtype } from './protocol';
import { ONNX_FILES } from './modelSize';

/** Every precision transformers.js reads, in the order the page lists them. */
export const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16'];

/** The precision a model runs at when none is asked for and its usual one is missing: smallest that keeps quality first. */
const FALLBACK_ORDER: readonly Dtype[] = ['q8', 'fp32', 'fp16', 'q4', 'q4f16', 'int8', 'uint8'];

export function isDtype(name: string): name is Dtype {
  return (DTYPES as readonly string[]).includes(name);
}

/** What a folder lacking `preferred` runs at instead. */
export function fallbackDtype(available: readonly Dtype[], preferred: Dtype): Dtype {
  if (available.includes(preferred)) return preferred;
  return FALLBACK_ORDER.find((d) => available.includes(d)) ?? preferred;
}

const probes = new Map<string, Promise<Dtype[] | null>>();

/**
 * The precisions whose weight file a folder (a URL ending in '/') serves, in DTYPES order; null when the server
 * could not be asked (offline with the files cached, say): the load then just tries.
 */
export function remoteDtypes(folderUrl: string): Promise<Dtype[] | null> {
  let probe = probes.get(folderUrl);
  if (!probe) {
    probe = probeDtypes(folderUrl);
    probes.set(folderUrl, probe);
    // An unanswered probe is asked again next time.
    void probe.then((found) => { if (found === null) probes.delete(folderUrl); });
  }
  return probe;
}

async function probeDtypes(folderUrl: string): Promise<Dtype[] | null> {
  const answers = await Promise.all(DTYPES.map(async (dtype) => {
    try {
      const response = await fetch(`${folderUrl}${ONNX_FILES[dtype]}`, { method: 'HEAD' });
      return response.ok ? dtype : 'missing';
    } catch {
      return 'unanswered';
    }
  }));
  if (answers.every((a) => a === 'unanswered')) return null;
  const found = answers.filter((a): a is Dtype => a !== 'missing' && a !== 'unanswered');
  return found.length > 0 ? found : null;
}
