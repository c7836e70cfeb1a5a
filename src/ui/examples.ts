// The example prompts: the bundled model's teaching prompts (whose true next-token distribution is known), each
// paired with the knob it shows best and the settings that show it. Pairs follow teaching_points.json's order:
// each English prompt and its Chinese twin illustrate the same knob.
import { OFF_PARAMS, type ParamName, type SamplingParams } from '../core';
import type { TeachingPoint } from '../store/types';

export type ExampleKnob = Exclude<ParamName, 'seed' | 'max_new_tokens'> | 'logit_bias';

export interface ExampleLesson {
  knob: ExampleKnob;
  /** Settings on top of every knob off (OFF_PARAMS): the knob alone at work. */
  params: Partial<Omit<SamplingParams, 'logit_bias' | 'order'>>;
  /** logit_bias lessons: the continuation (the text of a token) that the lesson bans. */
  ban?: Record<'en' | 'zh', string>;
}

/** Keyed by the English prompt; its Chinese twin is the teaching point right after it in the file. */
const LESSONS: Record<string, ExampleLesson> = {
  'The weather today is very': { knob: 'top_p', params: { top_p: 0.85 } },
  'My favourite colour is': { knob: 'top_k', params: { top_k: 2 } },
  'Today I met': { knob: 'temperature', params: { temperature: 0 } },
  'Two plus two equals': { knob: 'min_p', params: { min_p: 0.1 } },
  'For breakfast I ate': { knob: 'top_k', params: { top_k: 2 } },
  'The cat is sleeping on the': { knob: 'temperature', params: { temperature: 2 } },
  'She opened the door and saw a': { knob: 'typical_p', params: { typical_p: 0.5 } },
  'He drank a cup of': { knob: 'logit_bias', params: {}, ban: { en: ' tea', zh: '茶' } },
  'The train to the city was': { knob: 'top_p', params: { top_p: 0.75 } },
  'One, two, three,': { knob: 'repetition_penalty', params: { repetition_penalty: 1.5 } },
  'At night the sky is': { knob: 'min_p', params: { min_p: 0.3 } },
  'After school the children': { knob: 'presence_penalty', params: { presence_penalty: 1 } },
};

export interface Example {
  point: TeachingPoint;
  lesson: ExampleLesson;
}

/** Every teaching point with its lesson; a point with no lesson of its own (or its twin's) shows temperature. */
export function examplesOf(points: TeachingPoint[]): Example[] {
  const out: Example[] = [];
  let lastEnglish: ExampleLesson | undefined;
  for (const point of points) {
    let lesson = point.lang === 'en' ? LESSONS[point.prompt] : lastEnglish;
    if (point.lang === 'en') lastEnglish = lesson;
    lesson ??= { knob: 'temperature', params: { temperature: 1 } };
    out.push({ point, lesson });
  }
  return out;
}

/** The settings an example opens with: every knob off, then the lesson's. */
export function lessonParams(lesson: ExampleLesson, order: SamplingParams['order']): SamplingParams {
  return { ...OFF_PARAMS, ...lesson.params, logit_bias: {}, order: [...order] };
}
