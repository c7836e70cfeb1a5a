// The one zustand store, built from slices (zustand's slices pattern), one slice a file: model, sampling,
// generation (runs, branches, the inspected step), ui (language, mode, notices, toy distribution), beam, compare
// and sweep. Their shape is in storeTypes.ts; components read fields and call actions.
import { create } from 'zustand';
import { beamSlice } from './beamSlice';
import { compareSlice } from './compareSlice';
import { generationSlice } from './generationSlice';
import { modelSlice } from './modelSlice';
import { samplingSlice } from './samplingSlice';
import type { Store } from './storeTypes';
import { sweepSlice } from './sweepSlice';
import { uiSlice } from './uiSlice';

export const useStore = create<Store>()((...a) => ({
  ...modelSlice(...a),
  ...samplingSlice(...a),
  ...generationSlice(...a),
  ...uiSlice(...a),
  ...beamSlice(...a),
  ...compareSlice(...a),
  ...sweepSlice(...a),
}));
