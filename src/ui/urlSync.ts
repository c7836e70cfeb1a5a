// Reads the shared state from the URL once at start (query string and fragment; bad values: default + a notice
// naming the parameter), then keeps the URL's fragment in step with the store so the address bar is always a
// shareable link that the server never sees — or says when the settings are too big for one.
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import { randomSeed } from '../store/samplingSlice';
import { useStore } from '../store/store';
import { isDefaultToy } from '../store/uiSlice';
import { MAX_LINK_CHARS, defaultSharedState, linkFragment, parseUrlState, readLinkParams, refusalOf, type SharedState } from '../store/urlState';
import { parseSweepQuery, sweepQuery } from '../core/sweep';

export function readUrlIntoStore(search: string, browserLang: 'en' | 'zh', hash = ''): { run: boolean; step: number | null; compare: boolean; sweep: boolean } {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, randomSeed());
  const { state, notices } = parseUrlState(search, defaults, hash);
  useStore.getState().restoreFromLink({
    prompt: state.prompt, modelRef: state.model, dtype: state.dtype, params: state.params, seed: state.seed,
    maxNewTokens: state.max_new_tokens, stop: state.stop, lang: state.lang ?? browserLang, devicePref: state.device, beam: state.beam,
    mode: state.mode, toyBias: state.toy_bias, classroom: state.classroom,
    ...(state.toy ? { toyTokens: state.toy } : {}),
    ...(state.lanes.length > 0 ? { laneQueries: state.lanes, samples: state.samples, compareOpen: true } : {}),
  });
  for (const n of notices) {
    if (n.repeated !== undefined) useStore.getState().notify({ key: 'notices.repeatedParam', params: { name: n.name, value: n.value, count: n.repeated } });
    else if (n.lane !== undefined) useStore.getState().notify({ key: 'notices.badLane', params: { name: n.name, value: n.value, n: n.lane }, why: n.why });
    else useStore.getState().notify({ key: 'notices.badParam', params: { name: n.name, value: n.value }, why: n.why });
  }
  // A sweep link opens the sweep view with its definition; with run=1 it runs the sweep instead of one generation.
  // Its keys are read as the page's are (query string or fragment, compressed or not); repeats were noticed above.
  const sweep = parseSweepQuery(readLinkParams(search, hash, []).toString());
  if (sweep.definition) {
    useStore.getState().setSweepDefinition(sweep.definition);
    useStore.getState().setMode('sweep');
  }
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

/** The page's link for a state: path and fragment; no query string, so nothing of it reaches the server. */
export function linkFor(state: SharedState): string {
  const defaults = defaultSharedState(BUNDLED_MODEL_ID, state.seed);
  // In the sweep view the address bar carries the sweep's definition too.
  const s = useStore.getState();
  const fragment = linkFragment(state, defaults, s.mode === 'sweep' ? sweepQuery(s.sweepDefinition) : undefined);
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
      if (useStore.getState().linkTooBig?.size !== size) useStore.getState().setLinkTooBig({ size, max: MAX_LINK_CHARS });
      return;
    }
    if (useStore.getState().linkTooBig) useStore.getState().setLinkTooBig(null);
    history.replaceState(null, '', next);
  });
}
