// The ui slice: the page's language and mode, classroom view, notices, the settings column, the toy distribution
// and its bias, and the token texts learnt for the bias list.
import type { SliceCreator, UiSlice } from './storeTypes';
import type { ToyToken } from './types';

let noticeId = 1;

/** The toy mode's weather example, in the page's language; its labels follow a language switch while unchanged. */
export const TOY_DEFAULT_LABELS: Record<'en' | 'zh', string[]> = { en: ['sunny', 'cloudy', 'overcast', 'rainy'], zh: ['晴朗', '多云', '阴天', '雨天'] };
export const TOY_DEFAULT_LOGITS = [3.0, 2.5, 2.0, 1.0];

/** Whether the toy tokens are still the weather example (in either language), which links leave out. */
export function isDefaultToy(tokens: ToyToken[]): boolean {
  return tokens.length === 4 && Object.values(TOY_DEFAULT_LABELS).some((labels) => tokens.every((x, i) => x.label === labels[i] && x.logit === TOY_DEFAULT_LOGITS[i]));
}

export const uiSlice: SliceCreator<UiSlice> = (set, get) => ({
  lang: 'en',
  classroom: false,
  mode: 'model',
  notices: [],
  linkTooBig: null,
  toyTokens: TOY_DEFAULT_LABELS.en.map((label, i) => ({ label, logit: TOY_DEFAULT_LOGITS[i] })),
  toyBias: {},
  // A phone opens with the prompt and Generate in view and the settings folded away.
  controlsOpen: typeof matchMedia !== 'function' || !matchMedia('(max-width: 700px)').matches,
  spotlight: null,
  setSpotlight: (spotlight) => set({ spotlight }),
  tokenNames: {},
  nameTokens: (names) => set({ tokenNames: { ...get().tokenNames, ...names } }),
  setLang: (lang) => set({ lang }),
  setClassroom: (classroom) => set({ classroom }),
  setMode: (mode) => set({ mode }),
  setLinkTooBig: (linkTooBig) => set({ linkTooBig }),
  restoreFromLink: (restored) => set(restored),
  notify: (message) => set({ notices: [...get().notices, { ...message, id: noticeId++ }] }),
  dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
  setToyTokens: (toyTokens) => {
    // A removed toy token takes its bias with it; the ones after it move up one index.
    const old = get().toyTokens;
    const toyBias: Record<number, number> = {};
    if (toyTokens.length < old.length) {
      const removed = old.findIndex((x, i) => toyTokens[i] !== x);
      for (const [k, v] of Object.entries(get().toyBias)) {
        const i = Number(k);
        if (i !== removed) toyBias[i > removed ? i - 1 : i] = v;
      }
    } else Object.assign(toyBias, get().toyBias);
    set({ toyTokens, toyBias });
  },
  setToyBias: (toyBias) => set({ toyBias }),
  setControlsOpen: (controlsOpen) => set({ controlsOpen }),
  biasToken: (id, bias) => {
    if (get().mode === 'toy') {
      const { [id]: _gone, ...rest } = get().toyBias;
      set({ toyBias: bias === null ? rest : { ...rest, [id]: bias } });
      return;
    }
    const { [id]: _gone, ...rest } = get().params.logit_bias;
    const { logit_bias: _refused, ...paramErrors } = get().paramErrors;
    set({ params: { ...get().params, logit_bias: bias === null ? rest : { ...rest, [id]: bias } }, paramErrors });
  },
});
