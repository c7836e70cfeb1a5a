// Reads the shared state from the URL once at start (bad values: default + a notice naming the parameter),
// then keeps the URL in step with the store so the address bar is always a shareable link.
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import { randomSeed, useStore } from '../store/store';
import { defaultSharedState, parseUrlState, serializeUrlState, type SharedState } from '../store/urlState';

export function readUrlIntoStore(search: string, browserLang: 'en' | 'zh'): { run: boolean } {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, randomSeed());
  const { state, notices } = parseUrlState(search, defaults);
  useStore.setState({
    prompt: state.prompt, modelRef: state.model, params: state.params, seed: state.seed,
    maxNewTokens: state.max_new_tokens, stop: state.stop, lang: state.lang ?? browserLang, beam: state.beam,
  });
  for (const n of notices) useStore.getState().notify({ key: 'notices.badParam', params: { name: n.name, value: n.value }, why: n.why });
  return { run: state.run };
}

function currentShared(): SharedState {
  const s = useStore.getState();
  return {
    prompt: s.prompt, model: s.modelRef, params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens,
    stop: s.stop, lang: s.lang, run: false, beam: s.beam,
  };
}

export function linkFor(state: SharedState): string {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, state.seed);
  return `${location.pathname}?${serializeUrlState(state, defaults)}`;
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
