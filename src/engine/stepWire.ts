// A StepEvent on its way from the worker to the main thread: every number in one transferred Float64Array and
// each token's text sent once per model. Structured-cloning the event as objects (three stage views, thirty
// fates, thirty texts: some five hundred small values) took longer than the bundled model's forward pass.
import type { StageName, StageView } from '../core/types';
import type { TokenFate } from '../core/pipeline';
import type { PackedStep, StepEvent } from './protocol';

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
};
const STAGES = Object.keys(STAGE_CODES).sort((a, b) => STAGE_CODES[a as StageName] - STAGE_CODES[b as StageName]) as StageName[];

const HEADER = 13;
const VIEW_FIELDS = 8;
const FATE_FIELDS = 4;

function stageOf(code: number): StageName {
  const stage = STAGES[code];
  if (stage === undefined) throw new Error(`packed step names an unknown stage ${code}`);
  return stage;
}

/** Worker side: remembers which token texts the other side has, so each travels once per model. */
export class StepPacker {
  private readonly sent = new Map<number, string>();

  pack(event: StepEvent): { packed: PackedStep; transfer: ArrayBuffer[] } {
    const textIds: number[] = [];
    const newIds: number[] = [];
    const strings = [event.tokenText, event.textDelta];
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
    for (const view of event.views) size += VIEW_FIELDS + 3 * view.ids.length;
    const n = new Float64Array(size);
    n[0] = event.runId;
    n[1] = event.step;
    n[2] = event.tokenId;
    n[3] = event.entropy;
    n[4] = event.probability;
    n[5] = event.rank;
    n[6] = event.greedyId;
    n[7] = event.timings.forwardMs;
    n[8] = event.timings.pipelineMs;
    n[9] = event.views.length;
    n[10] = event.fates.length;
    n[11] = textIds.length;
    n[12] = newIds.length;
    let at = HEADER;
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
      at += VIEW_FIELDS;
      for (let i = 0; i < count; i++) {
        n[at + i] = view.ids[i];
        n[at + count + i] = view.before[i];
        n[at + 2 * count + i] = view.after[i];
      }
      at += 3 * count;
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
    return { packed: { numbers: n, strings }, transfer: [n.buffer] };
  }
}

/** Main-thread side: keeps every text received for the loaded model and rebuilds whole StepEvents. */
export class StepUnpacker {
  private readonly texts = new Map<number, string>();

  /** A new model has other token texts. */
  reset(): void {
    this.texts.clear();
  }

  unpack(packed: PackedStep): StepEvent {
    const n = packed.numbers;
    const viewCount = n[9];
    const fateCount = n[10];
    const textCount = n[11];
    const newCount = n[12];
    let at = HEADER;
    const views: StageView[] = [];
    for (let v = 0; v < viewCount; v++) {
      const count = n[at + 1];
      const view: StageView = {
        stage: stageOf(n[at]), ids: [], before: [], after: [], keptBefore: n[at + 2], keptAfter: n[at + 3],
        removedCount: n[at + 4], removedMass: n[at + 5], entropy: n[at + 6],
      };
      if (!Number.isNaN(n[at + 7])) view.threshold = n[at + 7];
      at += VIEW_FIELDS;
      for (let i = 0; i < count; i++) {
        view.ids.push(n[at + i]);
        view.before.push(n[at + count + i]);
        view.after.push(n[at + 2 * count + i]);
      }
      at += 3 * count;
      views.push(view);
    }
    const fates: TokenFate[] = [];
    for (let f = 0; f < fateCount; f++) {
      fates.push({ id: n[at], rawProb: n[at + 1], finalProb: n[at + 2], removedBy: n[at + 3] < 0 ? null : stageOf(n[at + 3]) });
      at += FATE_FIELDS;
    }
    const newAt = at + textCount;
    for (let i = 0; i < newCount; i++) this.texts.set(n[newAt + i], packed.strings[2 + i]);
    const tokenTexts: Record<number, string> = {};
    for (let i = 0; i < textCount; i++) {
      const id = n[at + i];
      const text = this.texts.get(id);
      if (text === undefined) throw new Error(`packed step ${n[1]} refers to token ${id}, whose text never arrived`);
      tokenTexts[id] = text;
    }
    return {
      runId: n[0], step: n[1], tokenId: n[2], tokenText: packed.strings[0], textDelta: packed.strings[1], views, fates,
      entropy: n[3], probability: n[4], rank: n[5], greedyId: n[6], tokenTexts,
      timings: { forwardMs: n[7], pipelineMs: n[8] },
    };
  }
}
