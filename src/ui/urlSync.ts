// Reads the shared state from the URL once at start (bad values: default + a notice naming the parameter),
// then keeps the URL in step with the store so the address bar is always a shareable link.
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import { isDefaultToy, randomSeed, useStore } from '../store/store';
import { defaultSharedState, linkParams, parseUrlState, refusalOf, serializeUrlState, type SharedState } from '../store/urlState';
import { parseSweepQuery, sweepQuery } from '../core/sweep';

export function readUrlIntoStore(search: string, browserLang: 'en' | 'zh', hash = ''): { run: boolean; step: number | null; compare: boolean; sweep: boolean } {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, randomSeed());
  const { state, notices } = parseUrlState(search, defaults, hash);
  useStore.setState({
    prompt: state.prompt, modelRef: state.model, dtype: state.dtype, params: state.params, seed: state.seed,
    maxNewTokens: state.max_new_tokens, stop: state.stop, lang: state.lang ?? browserLang, devicePref: state.device, beam: state.beam,
    mode: state.mode, toyBias: state.toy_bias, classroom: state.classroom,
    ...(state.toy ? { toyTokens: state.toy } : {}),
    ...(state.lanes.length > 0 ? { laneQueries: state.lanes, samples: state.samples, compareOpen: true } : {}),
  });
  for (const n of notices) {
    useStore.getState().notify(n.lane === undefined
      ? { key: 'notices.badParam', params: { name: n.name, value: n.value }, why: n.why }
      : { key: 'notices.badLane', params: { name: n.name, value: n.value, n: n.lane }, why: n.why });
  }
  // A sweep link opens the sweep view with its definition; with run=1 it runs the sweep instead of one generation.
  const sweep = parseSweepQuery(linkParams(search, hash).toString());
  if (sweep.definition) useStore.setState({ sweepDefinition: sweep.definition, mode: 'sweep' });
  for (const n of sweep.notices) {
    // `samples` is the compare view's key too, read above with the same rule: its refusal is shown once.
    if (n.name === 'samples' && notices.some((u) => u.name === 'samples')) continue;
    useStore.getState().notify({ key: 'sweep.badLink', params: { name: n.name, value: n.value }, why: refusalOf(n.error) });
  }
  return { run: state.run, step: state.step, compare: state.lanes.length > 0, sweep: sweep.definition !== null };
}

export function currentShared(): SharedState {
  const s = useStore.getState();
  return {
    prompt: s.prompt, model: s.modelRef, dtype: s.dtype, params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens,
    // The sweep view is marked by its own keys (linkFor adds them), and its `samples` is not the lanes' one.
    stop: s.stop, lang: s.lang, run: false, beam: s.beam, lanes: s.compareOpen && s.mode !== 'sweep' ? s.laneQueries : [], samples: s.samples,
    mode: s.mode === 'sweep' ? 'model' : s.mode, toy: isDefaultToy(s.toyTokens) ? null : s.toyTokens, toy_bias: s.toyBias, classroom: s.classroom,
    step: s.mode === 'model' ? s.selectedStep : null, device: s.devicePref,
  };
}

/**
 * The link the Copy-link button gives: the address bar's state, plus run=1 when a run of this prompt is shown, so
 * the link opens on the same text (same seed, same settings) and the same step.
 */
export function shareLink(): string {
  const s = useStore.getState();
  const run = s.currentRunId !== null ? s.runs[s.currentRunId] : undefined;
  const shown = s.mode === 'model' && run !== undefined && run.prompt === s.prompt && run.steps.length > 0;
  const state = currentShared();
  return new URL(linkFor({ ...state, run: shown, step: shown ? state.step : null }), location.href).href;
}

export function linkFor(state: SharedState): string {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, state.seed);
  let query = serializeUrlState(state, defaults);
  // In the sweep view the address bar carries the sweep's definition too.
  const s = useStore.getState();
  if (s.mode === 'sweep') {
    query = [query, sweepQuery(s.sweepDefinition).toString()].filter((part) => part !== '').join('&');
  }
  return `${location.pathname}?${query}`;
}

export function keepUrlInSync(): () => void {
  let last = '';
  return useStore.subscribe(() => {
    const next = linkFor(currentShared());
    if (next !== last) {
      last = next;
      history.replaceState(null, '', next);
    }
  });
}
