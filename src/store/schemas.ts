// What the page accepts from outside — run exports, link values, conformance cases — as valibot schemas, so a
// value that passes is one the page can use and draw. Built from the core's parameter table: a new numeric knob
// is one entry in PARAM_SPECS and DEFAULT_PARAMS, and these schemas take it up.
import * as v from 'valibot';
import {
  DEFAULT_PARAMS, LOGIT_BIAS_RANGE, MAX_DRY_BREAKERS, MAX_LANES, MAX_SAMPLES, MAX_STOP_SEQUENCES, SAMPLING_PARAM_NAMES,
  DEFAULT_ORDER, describeRule, isInRange, paramRule, type RunSettings, type BeamStopReason, type HypothesisEnd, type ParamName, type ParamRule, type SamplingParams, type StageView,
  type TokenFate, type WarperName,
} from '../core';
import type { CompareBeamResult, CompareStep, FinishReason, StepEvent } from '../engine/protocol';
import type { BeamRunView, Refusal, RunView } from './types';

// A check's message is the English wording of its rule; this table gives the rule back, so the page can word the
// refusal in its own language.
const RULE_BY_MESSAGE = new Map<string, ParamRule>();

function ruleMessage(rule: ParamRule): string {
  const text = describeRule(rule);
  RULE_BY_MESSAGE.set(text, rule);
  return text;
}

/** The rule an issue broke (worded by the page), or its text with where it happened. */
export function refusalOfIssue(issue: v.BaseIssue<unknown>): Refusal {
  return RULE_BY_MESSAGE.get(issue.message) ?? { kind: 'text', text: issueText(issue) };
}

/** "runs.0.steps.3.tokenTexts: Invalid type: Expected Object but received null" */
export function issueText(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  return path ? `${path}: ${issue.message}` : issue.message;
}

// ── Parameters ────────────────────────────────────────────────────────────────────────────────────────────────

/** The numeric sampling knobs: every registry entry that SamplingParams carries. */
export const KNOB_NAMES: readonly ParamName[] = SAMPLING_PARAM_NAMES;

export function paramNumber(name: ParamName) {
  return v.pipe(v.number(ruleMessage(paramRule(name))), v.check((n) => isInRange(name, n), ruleMessage(paramRule(name))));
}

const ORDER_RULE: ParamRule = { kind: 'order', names: DEFAULT_ORDER };

/** A partial order is allowed (core/params.ts validateParams): known warpers, each at most once. */
function isWarperOrder(names: string[]): boolean {
  return new Set(names).size === names.length && names.every((n) => (DEFAULT_ORDER as readonly string[]).includes(n));
}

const BREAKERS_RULE: ParamRule = { kind: 'breakers', max: MAX_DRY_BREAKERS };

/** DRY's sequence breakers: at most MAX_DRY_BREAKERS non-empty strings (core/params.ts checkBreakers). */
export const BreakersSchema = v.pipe(
  v.array(v.string(ruleMessage(BREAKERS_RULE)), ruleMessage(BREAKERS_RULE)),
  v.maxLength(MAX_DRY_BREAKERS, ruleMessage(BREAKERS_RULE)),
  v.check((list: string[]) => list.every((b) => b !== ''), ruleMessage(BREAKERS_RULE)),
);

export const OrderSchema = v.pipe(
  v.array(v.string(), ruleMessage(ORDER_RULE)),
  v.check((names: string[]) => isWarperOrder(names), ruleMessage(ORDER_RULE)),
  v.transform((names) => names as WarperName[]),
);

const TOKEN_IDS_RULE: ParamRule = { kind: 'tokenIds' };
const BIAS_RULE: ParamRule = { kind: 'bias', ...LOGIT_BIAS_RANGE };

function isTokenIdKey(key: string): boolean {
  return /^\d+$/.test(key) && Number.isSafeInteger(Number(key));
}

/** `{ "13": -100 }` as JSON holds it → `{ 13: -100 }`. */
export const LogitBiasSchema = v.pipe(
  v.record(v.string(), v.number(ruleMessage(BIAS_RULE))),
  v.check((bias) => Object.keys(bias).every(isTokenIdKey), ruleMessage(TOKEN_IDS_RULE)),
  v.check((bias) => Object.values(bias).every((b) => Number.isFinite(b) && b >= LOGIT_BIAS_RANGE.min && b <= LOGIT_BIAS_RANGE.max), ruleMessage(BIAS_RULE)),
  v.transform((bias) => Object.fromEntries(Object.entries(bias).map(([k, b]) => [Number(k), b])) as Record<number, number>),
);

/** Token ids of `bias` that a vocabulary of `vocabSize` lacks. */
export function biasIdsOutside(bias: Record<number, number>, vocabSize: number | undefined): number[] {
  if (vocabSize === undefined) return [];
  return Object.keys(bias).map(Number).filter((id) => id >= vocabSize);
}

function samplingParamsEntries(): v.ObjectEntries {
  const entries: v.ObjectEntries = {};
  for (const name of KNOB_NAMES) entries[name] = v.optional(paramNumber(name), DEFAULT_PARAMS[name as keyof SamplingParams] as number);
  entries.do_sample = v.optional(v.boolean(ruleMessage({ kind: 'boolean' })), DEFAULT_PARAMS.do_sample);
  entries.order = v.optional(OrderSchema, () => [...DEFAULT_PARAMS.order]);
  entries.logit_bias = v.optional(LogitBiasSchema, () => ({}));
  entries.dry_sequence_breakers = v.optional(BreakersSchema, () => [...DEFAULT_PARAMS.dry_sequence_breakers]);
  return entries;
}

/**
 * A run's settings as an export holds them. A knob the file lacks takes its default (exports written before it
 * existed); knobs this page does not know are kept as they are.
 */
export const SamplingParamsSchema = v.pipe(
  v.looseObject(samplingParamsEntries()),
  // Every known key was checked above; SamplingParams is what they add up to.
  v.transform((p) => p as unknown as SamplingParams),
);

// ── Run exports ───────────────────────────────────────────────────────────────────────────────────────────────

// A sum of float probabilities can land a hair above 1.
const PROBABILITY_MAX = 1 + 1e-6;

function isProbabilityList(x: unknown): x is number[] {
  if (!Array.isArray(x)) return false;
  for (const p of x) if (typeof p !== 'number' || !(p >= 0 && p <= PROBABILITY_MAX)) return false;
  return true;
}

function isIdList(x: unknown): x is number[] {
  if (!Array.isArray(x)) return false;
  for (const n of x) if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return false;
  return true;
}

// Views carry long number lists: one loop per list instead of a schema per number keeps a 50 MB export fast.
const ProbabilityList = v.custom<number[]>(isProbabilityList, 'Expected a list of probabilities from 0 to 1');
const IdList = v.custom<number[]>(isIdList, 'Expected a list of token ids (whole numbers from 0)');
const Finite = v.pipe(v.number(), v.finite());
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Probability = v.pipe(v.number(), v.check((p) => p >= 0 && p <= PROBABILITY_MAX, 'Expected a probability from 0 to 1'));
// Stage names are open: a newer page may add samplers, and a name is only ever shown as a label.
const StageNameSchema = v.pipe(v.string(), v.minLength(1));

export const StageViewSchema = v.pipe(
  // Loose: a stage's note (DRY's match, XTC's coin, …) travels with it unchecked; it is only ever shown as text.
  v.looseObject({
    stage: StageNameSchema,
    ids: IdList,
    before: ProbabilityList,
    after: ProbabilityList,
    keptBefore: Count,
    keptAfter: Count,
    removedCount: Finite,
    removedMass: Probability,
    entropy: Finite,
    threshold: v.optional(Finite),
  }),
  v.check((view) => view.before.length === view.ids.length && view.after.length === view.ids.length, 'ids, before and after differ in length'),
  v.transform((view) => view as StageView),
);

function isFateList(x: unknown): x is TokenFate[] {
  if (!Array.isArray(x)) return false;
  for (const f of x) {
    if (f === null || typeof f !== 'object') return false;
    const { id, rawProb, finalProb, removedBy } = f as Record<string, unknown>;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return false;
    if (typeof rawProb !== 'number' || !(rawProb >= 0 && rawProb <= PROBABILITY_MAX)) return false;
    if (typeof finalProb !== 'number' || !(finalProb >= 0 && finalProb <= PROBABILITY_MAX)) return false;
    if (removedBy !== null && (typeof removedBy !== 'string' || removedBy === '')) return false;
  }
  return true;
}

// Sixteen or more per step: one loop, like the views' number lists (an object schema per fate cost more than
// parsing the JSON).
const FateList = v.custom<TokenFate[]>(isFateList, 'Expected a list of token fates {id, rawProb, finalProb, removedBy}');

const TimingsSchema = v.pipe(
  v.optional(v.looseObject({}), {}),
  // Exports from before the views were built apart from the draw have no observeMs: their pipelineMs covered both.
  v.transform((t) => ({ forwardMs: finiteMsOrZero(t.forwardMs), pipelineMs: finiteMsOrZero(t.pipelineMs), observeMs: finiteMsOrZero(t.observeMs) })),
);

function finiteMsOrZero(ms: unknown): number {
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : 0;
}

export const StepEventSchema = v.pipe(
  v.object({
    runId: v.number(),
    step: Count,
    tokenId: Count,
    tokenText: v.string(),
    textDelta: v.string(),
    views: v.array(StageViewSchema),
    fates: v.optional(FateList),
    entropy: Finite,
    probability: Probability,
    rank: Count,
    greedyId: Count,
    tokenTexts: v.record(v.pipe(v.string(), v.regex(/^\d+$/)), v.string()),
    timings: TimingsSchema,
  }),
  // Exports from before steps carried fates rebuild them from the views (see fatesFromViews).
  v.transform((s) => s as StepEvent),
);

const FINISH_REASONS: FinishReason[] = ['eos', 'stop', 'max_new_tokens', 'cancelled', 'context_full', 'interrupted'];

// ── Beam runs ─────────────────────────────────────────────────────────────────────────────────────────────────

// A log-probability is -Infinity for a token the bias or a penalty ruled out, and JSON writes -Infinity as null.
const LogNumber = v.pipe(
  v.nullable(v.number()),
  v.check((x) => x === null || !Number.isNaN(x), 'Expected a number'),
  v.transform((x) => x ?? Number.NEGATIVE_INFINITY),
);

const beamCandidateEntries = { source: Count, tokenId: Count, logp: LogNumber, sum: LogNumber, rank: Count };
const HYPOTHESIS_ENDS: HypothesisEnd[] = ['eos', 'stop', 'max_new_tokens'];
const BEAM_STOP_REASONS: BeamStopReason[] = ['early_stopping', 'max_new_tokens', 'no_candidates', 'cancelled', 'context_full'];

/** Beam settings by the registry's ranges; num_return_sequences can never exceed num_beams (validateBeamSettings). */
export const BeamOptionsSchema = v.pipe(
  v.object({
    num_beams: paramNumber('num_beams'),
    length_penalty: paramNumber('length_penalty'),
    early_stopping: v.boolean(ruleMessage({ kind: 'boolean' })),
    num_return_sequences: paramNumber('num_return_sequences'),
  }),
  v.check((o) => o.num_return_sequences <= o.num_beams, 'num_return_sequences must be at most num_beams'),
);

const BeamStepSchema = v.object({
  step: Count,
  entered: v.array(LogNumber),
  kept: v.array(v.object(beamCandidateEntries)),
  finished: v.array(v.object({ ...beamCandidateEntries, score: LogNumber, end: v.picklist(['eos', 'stop']), accepted: v.boolean() })),
  dropped: v.array(v.object({ ...beamCandidateEntries, why: v.picklist(['eos_rank', 'beams_full']) })),
  // Exports from before the tree named its tokens have none: the boxes then show token ids.
  tokenTexts: v.optional(v.record(v.pipe(v.string(), v.regex(/^\d+$/)), v.string()), () => ({})),
  timings: v.pipe(
    v.optional(v.looseObject({}), {}),
    v.transform((t) => ({ forwardMs: finiteMsOrZero(t.forwardMs), searchMs: finiteMsOrZero(t.searchMs) })),
  ),
});

const BeamHypothesisSchema = v.object({
  ids: IdList,
  text: v.string(),
  score: Finite,
  sum: LogNumber,
  step: Count,
  beam: Count,
  end: v.picklist(HYPOTHESIS_ENDS),
  path: IdList,
});

/** A beam run's settings (the registry's ranges) and its tree, as the tree view draws it. */
export const BeamRunSchema = v.pipe(
  v.object({
    options: BeamOptionsSchema,
    steps: v.pipe(
      v.array(BeamStepSchema),
      v.check((steps) => steps.every((s, i) => s.step === i), 'beam steps must be numbered 0, 1, 2, … in order'),
    ),
    /** Best first; empty until the run ended. */
    hypotheses: v.array(BeamHypothesisSchema),
    reason: v.optional(v.nullable(v.picklist(BEAM_STOP_REASONS)), null),
  }),
  v.transform((beam) => beam as BeamRunView),
);

export const RunViewSchema = v.pipe(
  v.object({
    runId: v.number(),
    parentRunId: v.optional(v.number()),
    branchStep: v.optional(Count),
    prompt: v.string(),
    promptIds: IdList,
    params: SamplingParamsSchema,
    seed: v.pipe(v.number(), v.check((n) => isInRange('seed', n), ruleMessage(paramRule('seed')))),
    steps: v.pipe(
      v.array(StepEventSchema),
      v.check((steps) => steps.every((s, i) => s.step === i), 'steps must be numbered 0, 1, 2, … in order'),
    ),
    text: v.string(),
    reason: v.nullable(v.picklist(FINISH_REASONS)),
    beam: v.optional(BeamRunSchema),
  }),
  v.transform((run) => run as RunView),
);

export const EXPORT_FORMAT = 'logitlab-run';

export const ExportHeaderSchema = v.object({
  format: v.literal(EXPORT_FORMAT, `"format" must be "${EXPORT_FORMAT}"`),
  version: v.literal(1, 'only version 1 exports can be opened'),
  model: v.optional(v.string(), ''),
  runs: v.pipe(v.array(v.unknown(), 'it holds no runs'), v.minLength(1, 'it holds no runs')),
});

// ── Comparisons (exportCompare.ts) ────────────────────────────────────────────────────────────────────────────

export const COMPARE_FORMAT = 'logitlab-compare';

/**
 * A lane's settings as a comparison export holds them. Its beam settings are checked apart, together and against
 * max_new_tokens (exportCompare's laneBeam, as a link's lane is); exports from before beam lanes have none.
 */
export const LaneSettingsSchema = v.pipe(
  v.object({
    params: SamplingParamsSchema,
    seed: paramNumber('seed'),
    max_new_tokens: paramNumber('max_new_tokens'),
    stop: v.optional(v.pipe(v.array(v.string()), v.maxLength(MAX_STOP_SEQUENCES, ruleMessage({ kind: 'stopCount', max: MAX_STOP_SEQUENCES }))), () => []),
    beam: v.optional(v.looseObject({})),
  }),
  v.transform((settings) => settings as Omit<RunSettings, 'beam'> & { beam?: Partial<RunSettings['beam']> }),
);

const BEAM_RESULT_RULE = 'a beam result without its hypotheses';

/** A beam lane's result as the lane shows it: its hypotheses (text, score, Σ log p, length), best first. */
const CompareBeamResultSchema = v.pipe(
  v.object({
    hypotheses: v.array(
      v.object({ text: v.string(), score: Finite, sum: LogNumber, end: v.picklist(HYPOTHESIS_ENDS), tokens: Count }),
      BEAM_RESULT_RULE,
    ),
    num_beams: paramNumber('num_beams'),
    reason: v.picklist(BEAM_STOP_REASONS),
  }, BEAM_RESULT_RULE),
  v.transform((beam) => beam as CompareBeamResult),
);

const CompareStepSchema = v.object({
  step: Count,
  tokenId: Count,
  tokenText: v.string(),
  textDelta: v.string(),
  probability: Probability,
  logprobRaw: LogNumber,
  logprobSampled: LogNumber,
  entropyRaw: Finite,
});

// Loose: what a newer page adds to a lane or a sample travels along; everything the view draws is checked.
const CompareSampleSchema = v.looseObject({
  sample: Count,
  seed: paramNumber('seed'),
  text: v.optional(v.string(), ''),
  finish_reason: v.optional(v.nullable(v.picklist(FINISH_REASONS)), null),
  beam: v.optional(CompareBeamResultSchema),
  steps: v.pipe(
    v.array(CompareStepSchema),
    v.check((steps) => steps.every((s, i) => s.step === i), 'steps must be numbered 0, 1, 2, … in order'),
    // The row is the sample's place in the comparison, given when it is read.
    v.transform((steps) => steps as Omit<CompareStep, 'row'>[]),
  ),
});

const CompareLaneSchema = v.looseObject({
  overrides: v.optional(v.string(), ''),
  settings: LaneSettingsSchema,
  samples: v.pipe(v.array(CompareSampleSchema), v.minLength(1, 'a lane without samples'), v.maxLength(MAX_SAMPLES)),
});

/** A comparison export: its lanes, each with its settings and its samples' steps. */
export const ComparisonFileSchema = v.object({
  format: v.literal(COMPARE_FORMAT, `"format" must be "${COMPARE_FORMAT}"`),
  version: v.literal(1, 'only version 1 exports can be opened'),
  model: v.optional(v.string(), ''),
  prompt: v.optional(v.string(), ''),
  promptIds: v.optional(IdList, () => []),
  samples: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SAMPLES)), 1),
  mode: v.optional(v.nullable(v.picklist(['batched', 'sequential'])), null),
  lanes: v.pipe(v.array(CompareLaneSchema, 'it holds no lanes'), v.minLength(1, 'it holds no lanes'), v.maxLength(MAX_LANES)),
});

// ── Link state ────────────────────────────────────────────────────────────────────────────────────────────────

/** A link's state once its keys are parsed (core/settings.ts parses each key's text strictly). */
export const SharedStateSchema = v.object({
  prompt: v.string(),
  model: v.pipe(v.string(), v.minLength(1, ruleMessage({ kind: 'modelRef' }))),
  dtype: v.optional(v.nullable(v.string())),
  params: v.pipe(
    v.looseObject(samplingParamsEntries()),
    v.check((p) => KNOB_NAMES.every((name) => name in p), 'a sampling knob is missing'),
  ),
  seed: paramNumber('seed'),
  max_new_tokens: paramNumber('max_new_tokens'),
  stop: v.pipe(v.array(v.string()), v.maxLength(MAX_STOP_SEQUENCES, ruleMessage({ kind: 'stopCount', max: MAX_STOP_SEQUENCES }))),
  lang: v.nullable(v.picklist(['en', 'zh'], ruleMessage({ kind: 'language' }))),
  run: v.boolean(),
  device: v.picklist(['auto', 'wasm', 'webgpu'], ruleMessage({ kind: 'device' })),
  beam: BeamOptionsSchema,
});

// ── Conformance cases (shared/conformance/README.md) ──────────────────────────────────────────────────────────

const CaseId = v.union([v.string(), v.number()], 'a case needs an "id" (text or number)');

const CaseParamsSchema = v.optional(
  v.looseObject({
    ...Object.fromEntries(KNOB_NAMES.map((name) => [name, v.optional(v.number())])),
    do_sample: v.optional(v.boolean()),
    logit_bias: v.optional(v.record(v.string(), v.number())),
    order: v.optional(v.array(v.string())),
    dry_sequence_breakers: v.optional(v.array(v.string())),
  }),
  {},
);

export const SamplingCaseSchema = v.looseObject({
  id: CaseId,
  kind: v.optional(v.literal('sampling')),
  logits: v.pipe(v.array(v.nullable(v.number())), v.minLength(1, 'logits is empty')),
  params: CaseParamsSchema,
  prompt_ids: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(0)))),
  generated_ids: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(0)))),
});

export const StopCaseSchema = v.looseObject({
  id: CaseId,
  kind: v.literal('stop'),
  pieces: v.array(v.string()),
  stops: v.array(v.string()),
});

const TokenId = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A bigram table as the model: V rows of V logits; every id the case names must be a row of it. */
export const BeamCaseSchema = v.pipe(
  v.looseObject({
    id: CaseId,
    kind: v.literal('beam'),
    bigram: v.pipe(
      v.array(v.array(v.nullable(v.number())), 'bigram must be V rows of V logits'),
      v.minLength(1, 'bigram is empty'),
      v.check((rows) => rows.every((row) => row.length === rows.length), 'bigram must be V rows of V logits'),
    ),
    eos: v.union([TokenId, v.array(TokenId)], 'eos must be a token id or a list of them'),
    // The first step's logits are the row of the prompt's last token.
    prompt_ids: v.pipe(v.array(TokenId), v.minLength(1, 'prompt_ids is empty')),
    params: v.looseObject({
      max_new_tokens: v.number('max_new_tokens is always given'),
      ...Object.fromEntries(['num_beams', 'length_penalty', 'num_return_sequences', 'repetition_penalty', 'frequency_penalty', 'presence_penalty'].map((name) => [name, v.optional(v.number())])),
      early_stopping: v.optional(v.boolean()),
      logit_bias: v.optional(v.record(v.string(), v.number())),
    }),
  }),
  v.check((c) => [...c.prompt_ids, ...(Array.isArray(c.eos) ? c.eos : [c.eos])].every((id) => id < c.bigram.length), 'a token id of prompt_ids or eos is not a row of bigram'),
);

/** The kinds of case the conformance README defines. */
const CASE_KINDS = ['sampling', 'stop', 'beam'];

/** The id to answer a case with, whatever else is wrong with it. */
export function caseIdOf(raw: unknown): string | number | null {
  const id = raw !== null && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** A case in the shape its kind needs (ranges are the answering code's to check, by name), or the first problem found. */
export function readCase(raw: unknown): { ok: true; value: Record<string, unknown> & { id: string | number } } | { ok: false; error: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: 'a case must be a JSON object' };
  const kind = (raw as { kind?: unknown }).kind;
  if (kind !== undefined && !CASE_KINDS.includes(kind as string)) return { ok: false, error: `unknown case kind ${JSON.stringify(kind)}` };
  const schema = kind === undefined || kind === 'sampling' ? SamplingCaseSchema : kind === 'stop' ? StopCaseSchema : BeamCaseSchema;
  const result = v.safeParse(schema, raw);
  return result.success ? { ok: true, value: result.output as Record<string, unknown> & { id: string | number } } : { ok: false, error: issueText(result.issues[0]) };
}
