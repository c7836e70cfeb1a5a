// The model slice: which model the picker and the link name, the load in flight (only the newest load's events
// count), what the loaded model is, and what went wrong; a link's model on another host waits here for a yes.
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import type { SliceCreator, ModelSlice } from './storeTypes';
import type { UserMessage } from './types';

/** Engine notices are about the device: WebGPU missing, failed or lost, and WASM used instead. */
function engineNotice(message: string): UserMessage {
  return { key: 'errors.deviceNotice', detail: message };
}

export const modelSlice: SliceCreator<ModelSlice> = (set, get) => ({
  modelRef: BUNDLED_MODEL_ID,
  dtype: null,
  dtypesAvailable: [],
  modelStatus: 'idle',
  devicePref: 'auto',
  loadRequest: null,
  loadingRef: null,
  loadedRef: null,
  failedRef: null,
  progress: {},
  loaded: null,
  modelError: null,
  modelNotice: null,
  chat: false,
  teachingPoints: [],
  modelConfirm: null,
  setModelRef: (modelRef) => set({ modelRef }),
  setDevicePref: (devicePref) => set({ devicePref }),
  prepareLoad: (ref, dtype) => set((s) => ({ modelConfirm: null, dtype, dtypesAvailable: ref === s.modelRef ? s.dtypesAvailable : [] })),
  startLoad: (ref, loadRequest) => {
    set({ modelRef: ref, loadingRef: ref, loadRequest, modelStatus: 'loading', progress: {}, modelError: null, failedRef: null, modelNotice: null });
    get().waitForModel();
  },
  refuseModelRef: (ref) => set({ modelStatus: 'error', modelError: { key: 'errors.badModelRef', params: { ref } } }),
  askModelConfirm: (ref, host) => set({ modelConfirm: { ref, host, bytes: null }, modelStatus: 'idle' }),
  setModelConfirmBytes: (ref, bytes) => {
    const pending = get().modelConfirm;
    if (pending?.ref === ref) set({ modelConfirm: { ...pending, bytes } });
  },
  clearModelConfirm: () => set({ modelConfirm: null }),
  loadProgress: (file, loaded, total) => set((s) => ({ progress: { ...s.progress, [file]: { loaded, total } } })),
  modelLoaded: (event) => {
    const s = get();
    const ref = s.loadingRef ?? s.loadedRef ?? s.modelRef;
    set({
      modelStatus: 'ready', modelError: null, failedRef: null, modelNotice: event.notice ? engineNotice(event.notice) : null,
      modelRef: ref, loadedRef: ref, loadingRef: null,
      loaded: {
        modelId: event.modelId, device: event.device, threads: event.threads, dtype: event.dtype, dtypes: event.dtypes, vocabSize: event.vocabSize,
        contextLength: event.contextLength, deviceReason: event.deviceReason, ...(event.adapter ? { adapter: event.adapter } : {}),
      },
      dtypesAvailable: event.dtypes,
    });
  },
  modelFailed: (problem, available) => {
    const s = get();
    const failedRef = s.loadingRef ?? s.modelRef;
    // A precision the model lacks: the picker offers the ones it has.
    const dtypes = available ? { dtypesAvailable: available } : {};
    if (s.loaded && s.loadedRef !== null) {
      set({ modelStatus: 'ready', modelRef: s.loadedRef, loadingRef: null, modelError: problem, failedRef, progress: {}, ...dtypes });
    } else {
      set({ modelStatus: 'error', loadingRef: null, modelError: problem, failedRef, progress: {}, ...dtypes });
    }
  },
  deviceNotice: (message) => set({ modelNotice: engineNotice(message) }),
  reloadStarted: (loadRequest) => set((s) => ({ modelStatus: 'loading', loadRequest, loadingRef: s.loadedRef ?? s.modelRef, progress: {} })),
  setDtype: (dtype) => set({ dtype }),
  setChat: (chat) => set({ chat }),
  setTeachingPoints: (teachingPoints) => set({ teachingPoints }),
});
