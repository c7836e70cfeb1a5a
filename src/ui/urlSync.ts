// Reads the shared state from the URL once at start (bad values: default + a notice naming the parameter),
// then keeps the URL in step with the store so the address bar is always a shareable link.
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import { randomSeed, useStore } from '../store/store';
import { defaultSharedState, parseUrlState, refusalOf, serializeUrlState, type SharedState } from '../store/urlState';
import { parseSweepQuery, sweepQuery } from '../core/sweep';

export function readUrlIntoStore(search: string, browserLang: 'en' | 'zh'): { run: boolean; sweep: boolean } {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, randomSeed());
  const { state, notices } = parseUrlState(search, defaults);
  useStore.setState({
    prompt: state.prompt, modelRef: state.model, dtype: state.dtype, params: state.params, seed: state.seed,
    maxNewTokens: state.max_new_tokens, stop: state.stop, lang: state.lang ?? browserLang,
  });
  for (const n of notices) useStore.getState().notify({ key: 'notices.badParam', params: { name: n.name, value: n.value }, why: n.why });
  // A sweep link opens the sweep view with its definition; with run=1 it runs the sweep instead of one generation.
  const sweep = parseSweepQuery(search);
  if (sweep.definition) useStore.setState({ sweepDefinition: sweep.definition, mode: 'sweep' });
  for (const n of sweep.notices) useStore.getState().notify({ key: 'sweep.badLink', params: { name: n.name, value: n.value }, why: refusalOf(n.error) });
  return { run: state.run, sweep: sweep.definition !== null };
}

export function currentShared(): SharedState {
  const s = useStore.getState();
  return {
    prompt: s.prompt, model: s.modelRef, dtype: s.dtype, params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens,
    stop: s.stop, lang: s.lang, run: false,
  };
}

export function linkFor(state: SharedState): string {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, state.seed);
  let query = serializeUrlState(state, defaults);
  // In the sweep view the address bar carries the sweep's definition too.
  const s = useStore.getState();
  if (s.mode === 'sweep') {
    const extra = sweepQuery(s.sweepDefinition);
    if (state.run) extra.delete('run');
    query = `${query}&${extra.toString()}`;
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
