// Teaching-point distance on hand-made distributions, and the training grammar's recogniser against a freshly
// generated corpus sample (corpus.py run now, through /usr/bin/python3) and the same sentences shuffled.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core';
import { GrammarRecogniser, grammaticalRate, mapTruthToFirstTokens, teachingDistance, totalVariation, type GrammarJson } from '../../src/core/sweep';

describe('teaching-point distance', () => {
  const truth = new Map([[10, 0.5], [11, 0.3], [12, 0.2]]);
  it('is 0 for the truth itself and 1 for a distribution that never says any of its tokens', () => {
    expect(totalVariation({ ids: [10, 11, 12], probs: [0.5, 0.3, 0.2] }, truth)).toBeCloseTo(0, 12);
    expect(totalVariation({ ids: [1, 2], probs: [0.6, 0.4] }, truth)).toBeCloseTo(1, 12);
  });
  it('counts mass outside the truth and the gaps inside it: ½(|0.4−0.5| + |0.3−0.3| + |0−0.2| + 0.3)', () => {
    expect(totalVariation({ ids: [10, 11, 99], probs: [0.4, 0.3, 0.3] }, truth)).toBeCloseTo(0.3, 12);
  });
  it('greedy on a token gives 1 − its true probability', () => {
    expect(totalVariation({ ids: [11], probs: [1] }, truth)).toBeCloseTo(0.7, 12);
    expect(totalVariation({ ids: [42], probs: [1] }, truth)).toBeCloseTo(1, 12);
  });
  it('maps continuations onto first tokens, adding those that share one', () => {
    const first: Record<string, number> = { 小明: 7, 小红: 7, 小刚: 8, 小丽: 9 };
    const mapped = mapTruthToFirstTokens({ 小明: 0.25, 小红: 0.25, 小刚: 0.25, 小丽: 0.25 }, (c) => first[c]);
    expect([...mapped]).toEqual([[7, 0.5], [8, 0.25], [9, 0.25]]);
    expect(() => mapTruthToFirstTokens({ x: 1 }, () => null)).toThrow(/x/);
  });
  it('averages over prompts', () => {
    const a = { dist: { ids: [10], probs: [1] }, truth };
    const b = { dist: { ids: [10, 11, 12], probs: [0.5, 0.3, 0.2] }, truth };
    expect(teachingDistance([a, b])).toBeCloseTo(0.25, 12);
    expect(teachingDistance([])).toBeNaN();
  });
});

const root = join(__dirname, '..', '..');
const grammar = JSON.parse(readFileSync(join(root, 'public/models/logitlab-tiny/grammar.json'), 'utf8')) as GrammarJson;

/** Sentences of documents corpus.py writes with a seed the training never used. */
function freshSentences(): { en: string[]; zh: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'logitlab-corpus-'));
  const script = `import sys; sys.path.insert(0, ${JSON.stringify(join(root, 'scripts/model'))}); import corpus, pathlib; corpus.write_corpus(pathlib.Path(${JSON.stringify(dir)}), seed=987654, n_train=300, n_heldout=1)`;
  execFileSync('/usr/bin/python3', ['-c', script]);
  const docs = readFileSync(join(dir, 'train.txt'), 'utf8').split('\n').filter((l) => l !== '');
  const en: string[] = [];
  const zh: string[] = [];
  for (const doc of docs) {
    for (const m of doc.matchAll(/[^.。]*[.。]/g)) {
      const s = m[0].trim();
      (/[\u4e00-\u9fff]/.test(s) ? zh : en).push(s);
    }
  }
  return { en, zh };
}

describe('grammar recogniser', () => {
  const recogniser = new GrammarRecogniser(grammar);
  const { en, zh } = freshSentences();

  it('accepts every sentence of a freshly generated corpus sample', () => {
    expect(en.length).toBeGreaterThan(300);
    expect(zh.length).toBeGreaterThan(300);
    const refused = [...en, ...zh].filter((s) => !recogniser.accepts(s));
    expect(refused).toEqual([]);
  });

  it('rejects the same sentences with their words (English) or characters (中文) shuffled', () => {
    const rng = createRng(11);
    const shuffle = <T,>(xs: T[]): T[] => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    };
    let judged = 0;
    let accepted = 0;
    for (const s of en) {
      const words = s.slice(0, -1).split(' ');
      const shuffled = shuffle(words).join(' ') + '.';
      if (shuffled === s) continue;
      judged++;
      if (recogniser.accepts(shuffled)) accepted++;
    }
    for (const s of zh) {
      const shuffled = shuffle([...s.slice(0, -1)]).join('') + '。';
      if (shuffled === s) continue;
      judged++;
      if (recogniser.accepts(shuffled)) accepted++;
    }
    expect(judged).toBeGreaterThan(600);
    // A shuffle can land on another grammatical sentence ("Anna and Ben" ⇄ "Ben and Anna"); almost none do.
    expect(accepted / judged).toBeLessThan(0.01);
  });

  it('judges the sentences that hold generated text, and the unfinished last one only once it cannot be grammatical', () => {
    expect(recogniser.judge('The weather today is very', ' sunny. Anna felt happy. Ben walked')).toEqual({ sentences: 2, grammatical: 2 });
    expect(recogniser.judge('The weather today is very', ' sunny. Anna felt happy. Ben walked zzz')).toEqual({ sentences: 3, grammatical: 2 });
    expect(recogniser.judge('The weather today is very', ' purple. happy felt Anna.')).toEqual({ sentences: 2, grammatical: 0 });
    expect(recogniser.judge('Anna felt happy.', ' 今天天气非常晴朗。')).toEqual({ sentences: 1, grammatical: 1 });
    expect(recogniser.judge('今天天气非常', '晴朗。王芳在公园散步。')).toEqual({ sentences: 2, grammatical: 2 });
    expect(grammaticalRate([{ sentences: 2, grammatical: 1 }, { sentences: 0, grammatical: 0 }, { sentences: 1, grammatical: 1 }])).toBeCloseTo(0.75);
    expect(grammaticalRate([{ sentences: 0, grammatical: 0 }])).toBeNaN();
  });

  it('is the grammar corpus.py has now (grammar.json is up to date with scripts/model/grammar.py)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'logitlab-grammar-')), 'grammar.json');
    execFileSync('/usr/bin/python3', [join(root, 'scripts/model/grammar.py'), out]);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(grammar);
  });
});
