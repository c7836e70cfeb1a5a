// StepEvents on their way from the worker to the main thread, a batch at a time: every number of every step in
// one transferred Float64Array, the strings in one array, each token's text sent once per model.
// Structured-cloning an event as objects (three stage views, thirty fates, thirty texts: some five hundred small
// values) took longer than the bundled model's forward pass; one buffer per step still cost a clone and a
// transfer per step, and an allocation.
import type { SamplerNote, StageName, StageView } from '../core/types';
import type { TokenFate } from '../core/pipeline';
import { STEP_BATCH_MS, type PackedSteps, type StepEvent } from './protocol';

const STAGE_CODES: Record<StageName, number> = {
  raw: 0,
  repetition_penalty: 1,
  frequency_presence_penalty: 2,
  logit_bias: 3,
  temperature: 4,
  top_k: 5,
  top_p: 6,
  min_p: 7,
  typical_p: 8,
  draw: 9,
  dry: 10,
  epsilon_cutoff: 11,
  eta_cutoff: 12,
  top_n_sigma: 13,
  xtc: 14,
  dynatemp: 15,
  mirostat: 16,
};
const STAGES = Object.keys(STAGE_CODES).sort((a, b) => STAGE_CODES[a as StageName] - STAGE_CODES[b as StageName]) as StageName[];

const HEADER = 14;
/** The 9th field of a view is how many numbers its note takes (0: none). */
const VIEW_FIELDS = 9;
/** A note's numbers: these fields in this order (NaN: absent; `fired` as 1 / 0), then the match's length (−1: none) and ids. */
const NOTE_SCALARS = [
  'line', 'max', 'sigma', 'cut', 'temperature', 'entropyRatio', 'coin', 'fired', 'above', 'matchLength', 'extendedBy',
  'penalty', 'penalised', 'mu',
] as const satisfies readonly (keyof SamplerNote)[];

function noteSize(note: SamplerNote | undefined): number {
  return note === undefined ? 0 : NOTE_SCALARS.length + 1 + (note.match?.length ?? 0);
}

function packNote(n: Float64Array, at: number, note: SamplerNote): void {
  NOTE_SCALARS.forEach((key, i) => {
    const v = note[key];
    n[at + i] = v === undefined ? NaN : typeof v === 'boolean' ? Number(v) : v;
  });
  at += NOTE_SCALARS.length;
  n[at] = note.match === undefined ? -1 : note.match.length;
  if (note.match) n.set(note.match, at + 1);
}

function unpackNote(n: Float64Array, at: number): SamplerNote {
  const note: Record<string, number | boolean | number[]> = {};
  NOTE_SCALARS.forEach((key, i) => {
    const v = n[at + i];
    if (!Number.isNaN(v)) note[key] = key === 'fired' ? v === 1 : v;
  });
  at += NOTE_SCALARS.length;
  const matchLength = n[at];
  if (matchLength >= 0) note.match = Array.from(n.subarray(at + 1, at + 1 + matchLength));
  return note as SamplerNote;
}
const FATE_FIELDS = 4;

function stageOf(code: number): StageName {
  const stage = STAGES[code];
  if (stage === undefined) throw new Error(`packed step names an unknown stage ${code}`);
  return stage;
}

/** Worker side: appends steps to one growing buffer and remembers which token texts the other side has. */
export class StepPacker {
  private readonly sent = new Map<number, string>();
  private buffer = new Float64Array(4096);
  private length = 0;
  private strings: string[] = [];
  private count = 0;

  /** Steps added since the last take(). */
  get pending(): number {
    return this.count;
  }

  add(event: StepEvent): void {
    const strings = this.strings;
    strings.push(event.tokenText, event.textDelta);
    const textIds: number[] = [];
    const newIds: number[] = [];
    for (const key in event.tokenTexts) {
      const id = Number(key);
      const text = event.tokenTexts[id];
      textIds.push(id);
      if (this.sent.get(id) !== text) {
        this.sent.set(id, text);
        newIds.push(id);
        strings.push(text);
      }
    }
    let size = HEADER + event.fates.length * FATE_FIELDS + textIds.length + newIds.length;
    for (const view of event.views) size += VIEW_FIELDS + 3 * view.ids.length + noteSize(view.note);
    const n = this.reserve(size);
    let at = this.length;
    this.length += size;
    this.count++;
    n[at] = event.runId;
    n[at + 1] = event.step;
    n[at + 2] = event.tokenId;
    n[at + 3] = event.entropy;
    n[at + 4] = event.probability;
    n[at + 5] = event.rank;
    n[at + 6] = event.greedyId;
    n[at + 7] = event.timings.forwardMs;
    n[at + 8] = event.timings.pipelineMs;
    n[at + 9] = event.views.length;
    n[at + 10] = event.fates.length;
    n[at + 11] = textIds.length;
    n[at + 12] = newIds.length;
    n[at + 13] = event.timings.observeMs;
    at += HEADER;
    for (const view of event.views) {
      const count = view.ids.length;
      n[at] = STAGE_CODES[view.stage];
      n[at + 1] = count;
      n[at + 2] = view.keptBefore;
      n[at + 3] = view.keptAfter;
      n[at + 4] = view.removedCount;
      n[at + 5] = view.removedMass;
      n[at + 6] = view.entropy;
      n[at + 7] = view.threshold ?? NaN;
      const notes = noteSize(view.note);
      n[at + 8] = notes;
      at += VIEW_FIELDS;
      for (let i = 0; i < count; i++) {
        n[at + i] = view.ids[i];
        n[at + count + i] = view.before[i];
        n[at + 2 * count + i] = view.after[i];
      }
      at += 3 * count;
      if (view.note) packNote(n, at, view.note);
      at += notes;
    }
    for (const fate of event.fates) {
      n[at] = fate.id;
      n[at + 1] = fate.rawProb;
      n[at + 2] = fate.finalProb;
      n[at + 3] = fate.removedBy === null ? -1 : STAGE_CODES[fate.removedBy];
      at += FATE_FIELDS;
    }
    n.set(textIds, at);
    n.set(newIds, at + textIds.length);
  }

  /** The steps added so far as one message's worth (a buffer of their own, to transfer), and a fresh start. */
  take(): { packed: PackedSteps; transfer: ArrayBuffer[] } {
    const numbers = this.buffer.slice(0, this.length);
    const packed: PackedSteps = { numbers, strings: this.strings, count: this.count };
    this.length = 0;
    this.count = 0;
    this.strings = [];
    return { packed, transfer: [numbers.buffer] };
  }

  /** The buffer, with room for `size` more numbers. */
  private reserve(size: number): Float64Array {
    if (this.length + size > this.buffer.length) {
      const grown = new Float64Array(Math.max(2 * this.buffer.length, this.length + size));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    return this.buffer;
  }
}

/** Posts a run's packed steps a batch at a time: the first step at once, then at most one batch per STEP_BATCH_MS. */
export class StepBatcher {
  private lastPost = -Infinity;

  constructor(private readonly packer: StepPacker, private readonly send: (batch: PackedSteps, transfer: ArrayBuffer[]) => void) {}

  add(event: StepEvent): void {
    this.packer.add(event);
  }

  /** Posts the steps added so far if a batch is due; true when it went. */
  postIfDue(): boolean {
    if (performance.now() - this.lastPost < STEP_BATCH_MS) return false;
    this.flush();
    return true;
  }

  flush(): void {
    if (this.packer.pending === 0) return;
    const { packed, transfer } = this.packer.take();
    this.send(packed, transfer);
    this.lastPost = performance.now();
  }
}

/** Main-thread side: keeps every text received for the loaded model and rebuilds whole StepEvents. */
export class StepUnpacker {
  private readonly texts = new Map<number, string>();

  /** A new model has other token texts. */
  reset(): void {
    this.texts.clear();
  }

  unpack(packed: PackedSteps): StepEvent[] {
    const n = packed.numbers;
    const events: StepEvent[] = [];
    let at = 0;
    let nextString = 0;
    for (let s = 0; s < packed.count; s++) {
      const start = at;
      const viewCount = n[at + 9];
      const fateCount = n[at + 10];
      const textCount = n[at + 11];
      const newCount = n[at + 12];
      const tokenText = packed.strings[nextString];
      const textDelta = packed.strings[nextString + 1];
      nextString += 2;
      at += HEADER;
      const views: StageView[] = [];
      for (let v = 0; v < viewCount; v++) {
        const count = n[at + 1];
        const view: StageView = {
          stage: stageOf(n[at]), ids: [], before: [], after: [], keptBefore: n[at + 2], keptAfter: n[at + 3],
          removedCount: n[at + 4], removedMass: n[at + 5], entropy: n[at + 6],
        };
        if (!Number.isNaN(n[at + 7])) view.threshold = n[at + 7];
        const notes = n[at + 8];
        at += VIEW_FIELDS;
        for (let i = 0; i < count; i++) {
          view.ids.push(n[at + i]);
          view.before.push(n[at + count + i]);
          view.after.push(n[at + 2 * count + i]);
        }
        at += 3 * count;
        if (notes > 0) view.note = unpackNote(n, at);
        at += notes;
        views.push(view);
      }
      const fates: TokenFate[] = [];
      for (let f = 0; f < fateCount; f++) {
        fates.push({ id: n[at], rawProb: n[at + 1], finalProb: n[at + 2], removedBy: n[at + 3] < 0 ? null : stageOf(n[at + 3]) });
        at += FATE_FIELDS;
      }
      const newAt = at + textCount;
      for (let i = 0; i < newCount; i++) this.texts.set(n[newAt + i], packed.strings[nextString + i]);
      nextString += newCount;
      const tokenTexts: Record<number, string> = {};
      for (let i = 0; i < textCount; i++) {
        const id = n[at + i];
        const text = this.texts.get(id);
        if (text === undefined) throw new Error(`packed step ${n[start + 1]} refers to token ${id}, whose text never arrived`);
        tokenTexts[id] = text;
      }
      at = newAt + newCount;
      events.push({
        runId: n[start], step: n[start + 1], tokenId: n[start + 2], tokenText, textDelta, views, fates,
        entropy: n[start + 3], probability: n[start + 4], rank: n[start + 5], greedyId: n[start + 6], tokenTexts,
        timings: { forwardMs: n[start + 7], pipelineMs: n[start + 8], observeMs: n[start + 13] },
      });
    }
    return events;
  }
}
