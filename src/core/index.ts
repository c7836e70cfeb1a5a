// The sampling core's public surface: pure TypeScript, no runtime, UI or worker imports.
export * from './types';
export {
  DEFAULT_PARAMS, OFF_PARAMS, PARAM_SPECS, PARAM_NAMES, SAMPLING_PARAM_NAMES, BEAM_PARAM_NAMES, LOGIT_BIAS_RANGE, SamplingParamError,
  NoAllowedTokenError, validateParams, parseParamValue, formatParamValue, paramSpec, checkParam, describeRule, isUnusual,
  isInRange, paramRule,
  checkBreakers, parseBreakers, MORE_SAMPLER_PARAMS, MAX_DRY_BREAKERS,
  type ParamSpec, type ParamName, type SamplingParamName, type BeamParamName, type ParamRule,
} from './params';
export {
  SETTING_KNOBS, settingKnob, defaultRunSettings, cloneRunSettings, parseLogitBias, formatLogitBias, parseOrder,
  applyOverrides, overridesOf, parseSamples, isBeamSearch, laneBase, laneSampleCount, MAX_LANES, MIN_LANES, MAX_SAMPLES,
  type RunSettings, type SettingKnob,
} from './settings';
export { createRng, type Rng } from './rng';
export { SamplingPipeline, buildChain, isGreedy, usesXtc, type StepResult, type TokenFate, type PipelineRow } from './pipeline';
export {
  rawTokenStats, distinctN, repetition4, runMetrics, laneMetrics, bestAndWorst, RUN_METRIC_NAMES, METRIC_BETTER,
  type MetricStep, type RunMetricName, type RunMetrics, type LaneMetrics,
} from './runMetrics';
export { sampleStep, type StepInput } from './sampleStep';
export { StopMatcher, MAX_STOP_SEQUENCES } from './stop';
export { answerCase, answerBeamCase, caseParams, type BeamCase, type ConformanceCase, type ConformanceAnswer } from './conformance';
export { Candidates, TAIL_MIN_VOCAB } from './candidates';
export { TokenHistory } from './history';
export type { Sampler } from './samplers';
export {
  BeamSearch, beamSearch, beamSearchAsync, hypothesisPath, validateBeamSettings, DEFAULT_BEAM_SETTINGS, MAX_BEAMS,
  type Beam, type BeamCandidate, type BeamHypothesis, type BeamResult, type BeamSearchOptions, type BeamSettings, type BeamOptions,
  type BeamStepRecord, type BeamStopReason, type HypothesisEnd, type NextLogits, type NextLogitsAsync,
} from './beam';
