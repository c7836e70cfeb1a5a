// Every public conformance case, answered by the same code as the CLI, must match its expectation.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { answerCase, type ConformanceCase } from '../../src/core';

type Expect = { kept?: number[]; probs?: number[]; greedy?: number; text?: string; stopped_at?: number | null };
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as (ConformanceCase & { expect: Expect })[];
const cases = read('tests/fixtures/cases.json');
// "More samplers": DRY, top-nσ, XTC, ε, η, dynamic temperature, mirostat (11 hand cases, 40 random).
const zooCases = read('tests/fixtures/zoo-cases.json');

describe.each([['cases.json', cases], ['zoo-cases.json', zooCases]])('conformance cases of %s', (_file, cases) => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const answer = answerCase(c) as Expect;
    const expected = c.expect;
    if ('text' in expected) {
      expect(answer.text).toBe(expected.text);
      expect(answer.stopped_at).toBe(expected.stopped_at);
      return;
    }
    expect(answer.kept).toEqual(expected.kept);
    expect(answer.greedy).toBe(expected.greedy);
    expect(answer.probs!.length).toBe(expected.probs!.length);
    answer.probs!.forEach((p, i) => expect(Math.abs(p - expected.probs![i])).toBeLessThan(1e-5));
  });

});

describe('the conformance CLI', () => {
  it('prints exactly one JSON array with an answer per case', () => {
    const out = execFileSync('npx', ['tsx', 'scripts/conformance.ts', 'tests/fixtures/cases.json'], { encoding: 'utf8' });
    const answers = JSON.parse(out) as { id: string }[];
    expect(answers.map((a) => a.id).sort()).toEqual(cases.map((c) => c.id).sort());
  });

  it('answers every zoo case without an error', () => {
    const out = execFileSync('npx', ['tsx', 'scripts/conformance.ts', 'tests/fixtures/zoo-cases.json'], { encoding: 'utf8' });
    const answers = JSON.parse(out) as { id: string; error?: string }[];
    expect(answers).toHaveLength(51);
    expect(answers.filter((a) => a.error !== undefined)).toEqual([]);
  });
});
