// A sweep's definition and its link form: `sweep=temperature:0.2:1.6:3,order:hf|llama.cpp`, `search=`,
// `trials=`, `samples=`, `objective=`, `prompts=teaching`. Parsed strictly: a bad part is refused with a
// notice naming it and the rest of the definition still stands.
import { SamplingParamError } from '../params';
import { formatObjective, parseObjective, type Objective } from './objective';
import { SEARCH_METHODS, gridSettings, type SearchMethod } from './proposers';
import { MAX_DIMENSIONS, categoricalDimension, numericDimension, round6, type SweepDimension } from './space';

export type SweepPrompts = { kind: 'page' } | { kind: 'teaching' } | { kind: 'typed'; prompts: string[] };

export interface SweepDefinition {
  dims: SweepDimension[];
  method: SearchMethod;
  /** Settings drawn by random and Bayesian search (a grid has its own count). */
  trials: number;
  /** Samples per setting and prompt. */
  samples: number;
  objective: Objective | null;
  prompts: SweepPrompts;
}

export const SWEEP_LIMITS = { trials: { min: 1, max: 200 }, samples: { min: 1, max: 64 }, settings: 400 } as const;
export const DEFAULT_GRID_COUNT = 5;

export function defaultSweepDefinition(): SweepDefinition {
  return {
    dims: [numericDimension('temperature', 0.2, 1.6, 3), numericDimension('top_p', 0.5, 1, 3)],
    method: 'grid', trials: 12, samples: 4, objective: null, prompts: { kind: 'page' },
  };
}

export interface SweepNotice {
  name: string;
  value: string;
  error: unknown;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(name: string, text: string): number {
  if (!NUMBER.test(text.trim())) throw new SamplingParamError(name, text, { kind: 'knownName' });
  return Number(text);
}

/** `temperature:0.2:1.6:3` or `order:hf|llama.cpp`. */
export function parseDimension(text: string): SweepDimension {
  const parts = text.split(':').map((s) => s.trim());
  const name = parts[0];
  if (parts.length === 2) return categoricalDimension(name, parts[1].split('|').map((s) => s.trim()).filter((s) => s !== ''));
  if (parts.length !== 3 && parts.length !== 4) throw new SamplingParamError('sweep', text, { kind: 'knownName' });
  const from = parseNumber(name, parts[1]);
  const to = parseNumber(name, parts[2]);
  const count = parts.length === 4 ? parseNumber('sweep', parts[3]) : DEFAULT_GRID_COUNT;
  return numericDimension(name, from, to, count);
}

export function formatDimension(dim: SweepDimension): string {
  if (dim.kind === 'categorical') return `${dim.name}:${dim.values.join('|')}`;
  return `${dim.name}:${round6(dim.from)}:${round6(dim.to)}:${dim.count}`;
}

export function parseDimensions(text: string): SweepDimension[] {
  const dims = text.split(',').map((s) => s.trim()).filter((s) => s !== '').map(parseDimension);
  if (dims.length === 0 || dims.length > MAX_DIMENSIONS) {
    throw new SamplingParamError('sweep', text, { kind: 'range', integer: true, min: 1, minExclusive: false, max: MAX_DIMENSIONS });
  }
  const names = dims.map((d) => d.name);
  if (new Set(names).size !== names.length) throw new SamplingParamError('sweep', text, { kind: 'knownName' });
  return dims;
}

/** How many settings the definition evaluates. */
export function settingCount(def: SweepDefinition): number {
  return def.method === 'grid' ? gridSettings(def.dims).length : def.trials;
}

/** Throws when the sweep is too large to run in a page (a 20×20×20 grid is 8,000 settings). */
export function checkSize(def: SweepDefinition): void {
  const n = settingCount(def);
  if (n > SWEEP_LIMITS.settings) {
    throw new SamplingParamError('sweep', `${n} settings`, { kind: 'range', integer: true, min: 1, minExclusive: false, max: SWEEP_LIMITS.settings });
  }
}

function parseCount(name: 'trials' | 'samples', text: string): number {
  const { min, max } = SWEEP_LIMITS[name];
  const v = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || v < min || v > max) {
    throw new SamplingParamError(name, text, { kind: 'range', integer: true, min, minExclusive: false, max });
  }
  return v;
}

/** The sweep in a link, or null when the link has no `sweep=`. */
export function parseSweepQuery(search: string): { definition: SweepDefinition | null; notices: SweepNotice[] } {
  const q = new URLSearchParams(search);
  const notices: SweepNotice[] = [];
  const raw = q.get('sweep');
  if (raw === null) return { definition: null, notices };
  const def = defaultSweepDefinition();
  const attempt = (name: string, value: string, apply: () => void) => {
    try {
      apply();
    } catch (error) {
      notices.push({ name, value, error });
    }
  };
  attempt('sweep', raw, () => { def.dims = parseDimensions(raw); });
  const search_ = q.get('search');
  if (search_ !== null) {
    attempt('search', search_, () => {
      if (!(SEARCH_METHODS as readonly string[]).includes(search_)) throw new SamplingParamError('search', search_, { kind: 'knownName' });
      def.method = search_ as SearchMethod;
    });
  }
  const trials = q.get('trials');
  if (trials !== null) attempt('trials', trials, () => { def.trials = parseCount('trials', trials); });
  const samples = q.get('samples');
  if (samples !== null) attempt('samples', samples, () => { def.samples = parseCount('samples', samples); });
  const objective = q.get('objective');
  if (objective !== null) attempt('objective', objective, () => { def.objective = parseObjective(objective); });
  const prompts = q.getAll('prompts').filter((p) => p.trim() !== '');
  if (prompts.length === 1 && prompts[0] === 'teaching') def.prompts = { kind: 'teaching' };
  else if (prompts.length > 0) def.prompts = { kind: 'typed', prompts };
  attempt('sweep', raw, () => checkSize(def));
  if (notices.some((n) => n.name === 'sweep' && n.value === raw && def.method === 'grid')) {
    // Too large: fall back to the default grid rather than freeze the tab.
    try {
      checkSize(def);
    } catch {
      def.dims = defaultSweepDefinition().dims;
    }
  }
  return { definition: def, notices };
}

/** The sweep's part of a link. */
export function sweepQuery(def: SweepDefinition): URLSearchParams {
  const q = new URLSearchParams();
  q.set('sweep', def.dims.map(formatDimension).join(','));
  q.set('search', def.method);
  if (def.method !== 'grid') q.set('trials', String(def.trials));
  q.set('samples', String(def.samples));
  if (def.objective) q.set('objective', formatObjective(def.objective));
  if (def.prompts.kind === 'teaching') q.set('prompts', 'teaching');
  else if (def.prompts.kind === 'typed') for (const p of def.prompts.prompts) q.append('prompts', p);
  return q;
}
