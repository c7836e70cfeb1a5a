// Reads the shared state from the URL once at start (query string and fragment; bad values: default + a notice
// naming the parameter), then keeps the URL's fragment in step with the store so the address bar is always a
// shareable link that the server never sees — or says when the settings are too big for one.
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import { isDefaultToy, randomSeed, useStore } from '../store/store';
import { MAX_LINK_CHARS, defaultSharedState, linkFragment, parseUrlState, type SharedState } from '../store/urlState';

export function readUrlIntoStore(search: string, browserLang: 'en' | 'zh', hash = ''): { run: boolean; step: number | null; compare: boolean } {
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
    if (n.repeated !== undefined) useStore.getState().notify({ key: 'notices.repeatedParam', params: { name: n.name, value: n.value, count: n.repeated } });
    else useStore.getState().notify({ key: 'notices.badParam', params: { name: n.name, value: n.value }, why: n.why });
  }
  return { run: state.run, step: state.step, compare: state.lanes.length > 0 };
}

function currentShared(): SharedState {
  const s = useStore.getState();
  return {
    prompt: s.prompt, model: s.modelRef, dtype: s.dtype, params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens,
    stop: s.stop, lang: s.lang, run: false, beam: s.beam, lanes: s.compareOpen ? s.laneQueries : [], samples: s.samples,
    mode: s.mode, toy: isDefaultToy(s.toyTokens) ? null : s.toyTokens, toy_bias: s.toyBias, classroom: s.classroom,
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

/** The page's link for a state: path and fragment; no query string, so nothing of it reaches the server. */
export function linkFor(state: SharedState): string {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, state.seed);
  const fragment = linkFragment(state, defaults);
  return fragment ? `${location.pathname}#${fragment}` : location.pathname;
}

export function keepUrlInSync(): () => void {
  let last = '';
  return useStore.subscribe(() => {
    const next = linkFor(currentShared());
    if (next === last) return;
    last = next;
    const size = location.origin.length + next.length;
    if (size > MAX_LINK_CHARS) {
      // The address bar keeps the last link that fitted; the page says why it stopped following.
      if (useStore.getState().linkTooBig?.size !== size) useStore.setState({ linkTooBig: { size, max: MAX_LINK_CHARS } });
      return;
    }
    if (useStore.getState().linkTooBig) useStore.setState({ linkTooBig: null });
    history.replaceState(null, '', next);
  });
}
