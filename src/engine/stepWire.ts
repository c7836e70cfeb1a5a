// StepEvents on their way from the worker to the main thread, a batch at a time: every number of every step in
// one transferred Float64Array, the strings in one array, each token's text sent once per model.
// Structured-cloning an event as objects (three stage views, thirty fates, thirty texts: some five hundred small
// values) took longer than the bundled model's forward pass; one buffer per step still cost a clone and a
// transfer per step, and an allocation.
import { STAGE_NAMES, type SamplerNote, type StageName, type StageView } from '../core/types';
import type { TokenFate } from '../core/pipeline';
import { BATCHING, type PackedSteps, type StepEvent } from './protocol';

/** A stage travels as its index in STAGE_NAMES. */
const STAGE_CODES = Object.fromEntries(STAGE_NAMES.map((name, i) => [name, i])) as Record<StageName, number>;
const STAGES: readonly StageName[] = STAGE_NAMES;

/** Where each number of a step's header sits; the views, fates and texts follow it. */
const STEP = {
  runId: 0, step: 1, tokenId: 2, entropy: 3, probability: 4, rank: 5, greedyId: 6, forwardMs: 7, pipelineMs: 8,
  views: 9, fates: 10, texts: 11, newTexts: 12, observeMs: 13,
} as const;
const HEADER = 14;
/** A view's fixed numbers; `notes` is how many numbers its note takes after its ids and probabilities (0: none). */
const VIEW = { stage: 0, count: 1, keptBefore: 2, keptAfter: 3, removedCount: 4, removedMass: 5, entropy: 6, threshold: 7, notes: 8 } as const;
const VIEW_FIELDS = 9;
const FATE = { id: 0, rawProb: 1, finalProb: 2, removedBy: 3 } as const;
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
    n[at + STEP.runId] = event.runId;
    n[at + STEP.step] = event.step;
    n[at + STEP.tokenId] = event.tokenId;
    n[at + STEP.entropy] = event.entropy;
    n[at + STEP.probability] = event.probability;
    n[at + STEP.rank] = event.rank;
    n[at + STEP.greedyId] = event.greedyId;
    n[at + STEP.forwardMs] = event.timings.forwardMs;
    n[at + STEP.pipelineMs] = event.timings.pipelineMs;
    n[at + STEP.views] = event.views.length;
    n[at + STEP.fates] = event.fates.length;
    n[at + STEP.texts] = textIds.length;
    n[at + STEP.newTexts] = newIds.length;
    n[at + STEP.observeMs] = event.timings.observeMs;
    at += HEADER;
    for (const view of event.views) {
      const count = view.ids.length;
      n[at + VIEW.stage] = STAGE_CODES[view.stage];
      n[at + VIEW.count] = count;
      n[at + VIEW.keptBefore] = view.keptBefore;
      n[at + VIEW.keptAfter] = view.keptAfter;
      n[at + VIEW.removedCount] = view.removedCount;
      n[at + VIEW.removedMass] = view.removedMass;
      n[at + VIEW.entropy] = view.entropy;
      n[at + VIEW.threshold] = view.threshold ?? NaN;
      const notes = noteSize(view.note);
      n[at + VIEW.notes] = notes;
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
      n[at + FATE.id] = fate.id;
      n[at + FATE.rawProb] = fate.rawProb;
      n[at + FATE.finalProb] = fate.finalProb;
      n[at + FATE.removedBy] = fate.removedBy === null ? -1 : STAGE_CODES[fate.removedBy];
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

/** Posts a run's packed steps a batch at a time: the first step at once, then at most one batch per BATCHING.stepBatchMs. */
export class StepBatcher {
  private lastPost = -Infinity;

  constructor(private readonly packer: StepPacker, private readonly send: (batch: PackedSteps, transfer: ArrayBuffer[]) => void) {}

  add(event: StepEvent): void {
    this.packer.add(event);
  }

  /** Posts the steps added so far if a batch is due; true when it went. */
  postIfDue(): boolean {
    if (performance.now() - this.lastPost < BATCHING.stepBatchMs) return false;
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
      const viewCount = n[at + STEP.views];
      const fateCount = n[at + STEP.fates];
      const textCount = n[at + STEP.texts];
      const newCount = n[at + STEP.newTexts];
      const tokenText = packed.strings[nextString];
      const textDelta = packed.strings[nextString + 1];
      nextString += 2;
      at += HEADER;
      const views: StageView[] = [];
      for (let v = 0; v < viewCount; v++) {
        const count = n[at + VIEW.count];
        const view: StageView = {
          stage: stageOf(n[at + VIEW.stage]), ids: [], before: [], after: [], keptBefore: n[at + VIEW.keptBefore],
          keptAfter: n[at + VIEW.keptAfter], removedCount: n[at + VIEW.removedCount], removedMass: n[at + VIEW.removedMass],
          entropy: n[at + VIEW.entropy],
        };
        if (!Number.isNaN(n[at + VIEW.threshold])) view.threshold = n[at + VIEW.threshold];
        const notes = n[at + VIEW.notes];
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
        const removedBy = n[at + FATE.removedBy];
        fates.push({ id: n[at + FATE.id], rawProb: n[at + FATE.rawProb], finalProb: n[at + FATE.finalProb], removedBy: removedBy < 0 ? null : stageOf(removedBy) });
        at += FATE_FIELDS;
      }
      const newAt = at + textCount;
      for (let i = 0; i < newCount; i++) this.texts.set(n[newAt + i], packed.strings[nextString + i]);
      nextString += newCount;
      const tokenTexts: Record<number, string> = {};
      for (let i = 0; i < textCount; i++) {
        const id = n[at + i];
        const text = this.texts.get(id);
        if (text === undefined) throw new Error(`packed step ${n[start + STEP.step]} refers to token ${id}, whose text never arrived`);
        tokenTexts[id] = text;
      }
      at = newAt + newCount;
      events.push({
        runId: n[start + STEP.runId], step: n[start + STEP.step], tokenId: n[start + STEP.tokenId], tokenText, textDelta, views, fates,
        entropy: n[start + STEP.entropy], probability: n[start + STEP.probability], rank: n[start + STEP.rank],
        greedyId: n[start + STEP.greedyId], tokenTexts,
        timings: { forwardMs: n[start + STEP.forwardMs], pipelineMs: n[start + STEP.pipelineMs], observeMs: n[start + STEP.observeMs] },
      });
    }
    return events;
  }
}
