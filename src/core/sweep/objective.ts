// What a sweep optimises: one metric to minimise, maximise or bring near a target, or a weighted sum of such
// terms; parsed from and written to the link's `objective=` (e.g. `perplexity:8` or `grammatical_rate:max:0.5,distinct_2:max:0.5`).
import { SamplingParamError } from '../params';

/** Every metric a sweep point carries, in the names the page contract and exports use. */
export const SWEEP_METRICS = [
  'tv_distance', 'grammatical_rate', 'perplexity', 'logprob', 'entropy_mean', 'distinct_1', 'distinct_2', 'repetition_4',
] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];
export type MetricValues = Partial<Record<SweepMetric, number>>;

export type Goal = { kind: 'min' } | { kind: 'max' } | { kind: 'target'; target: number };

export interface ObjectiveTerm {
  metric: SweepMetric;
  goal: Goal;
  weight: number;
}

export type Objective = ObjectiveTerm[];

export const MAX_OBJECTIVE_TERMS = 2;

export function isSweepMetric(name: string): name is SweepMetric {
  return (SWEEP_METRICS as readonly string[]).includes(name);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function parseObjective(text: string): Objective {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0 || parts.length > MAX_OBJECTIVE_TERMS) throw new SamplingParamError('objective', text, { kind: 'knownName' });
  const terms = parts.map((part): ObjectiveTerm => {
    const [metric, goalText, weightText, ...rest] = part.split(':').map((s) => s.trim());
    if (!isSweepMetric(metric) || goalText === undefined || rest.length > 0) throw new SamplingParamError('objective', part, { kind: 'knownName' });
    let goal: Goal;
    if (goalText === 'min' || goalText === 'max') goal = { kind: goalText };
    else if (NUMBER.test(goalText)) goal = { kind: 'target', target: Number(goalText) };
    else throw new SamplingParamError('objective', part, { kind: 'knownName' });
    let weight = 1;
    if (weightText !== undefined) {
      if (!NUMBER.test(weightText) || !(Number(weightText) > 0)) {
        throw new SamplingParamError('objective', part, { kind: 'range', integer: false, min: 0, minExclusive: true, max: 1e6 });
      }
      weight = Number(weightText);
    }
    return { metric, goal, weight };
  });
  return terms;
}

export function formatObjective(objective: Objective): string {
  return objective.map((t) => {
    const goal = t.goal.kind === 'target' ? String(t.goal.target) : t.goal.kind;
    return objective.length > 1 || t.weight !== 1 ? `${t.metric}:${goal}:${t.weight}` : `${t.metric}:${goal}`;
  }).join(',');
}

/** The score to minimise: Σ weight · (value, −value, or |value − target|); NaN when a term's metric is missing. */
export function scoreOf(objective: Objective, metrics: MetricValues): number {
  let score = 0;
  for (const term of objective) {
    const v = metrics[term.metric];
    if (v === undefined || !Number.isFinite(v)) return NaN;
    const part = term.goal.kind === 'min' ? v : term.goal.kind === 'max' ? -v : Math.abs(v - term.goal.target);
    score += term.weight * part;
  }
  return score;
}

/** The default: the distance to the known truth where there is one, else perplexity. */
export function defaultObjective(hasTruth: boolean): Objective {
  return [{ metric: hasTruth ? 'tv_distance' : 'perplexity', goal: { kind: 'min' }, weight: 1 }];
}
