// The sampling core's public surface: pure TypeScript, no runtime, UI or worker imports.
export * from './types';
export {
  DEFAULT_PARAMS, OFF_PARAMS, PARAM_SPECS, LOGIT_BIAS_RANGE, SamplingParamError, NoAllowedTokenError,
  validateParams, parseParamValue, checkParam, describeRule, isUnusual, isInRange, paramRule, NUMBER_SYNTAX,
  type ParamSpec, type ParamName, type ParamRule,
} from './params';
export { createRng, type Rng } from './rng';
export { SamplingPipeline, buildChain, isGreedy, type StepResult, type TokenFate } from './pipeline';
export { sampleStep, type StepInput } from './sampleStep';
export { StopMatcher, MAX_STOP_SEQUENCES } from './stop';
export { answerCase, caseParams, type ConformanceCase, type ConformanceAnswer } from './conformance';
export { Candidates, TAIL_MIN_VOCAB } from './candidates';
export { TokenHistory } from './history';
export type { Sampler } from './samplers';
