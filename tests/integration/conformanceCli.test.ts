// The conformance command on malformed input, run as users run it (a child process): a case it cannot read is
// answered with {"id", "error"} and the others still are (exit 0); a file it cannot read exits 2 with one line on
// stderr and nothing on stdout.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'logitlab-conformance-'));
// A beam case as the shared file has it: a bigram table as the model.
const beam = {
  kind: 'beam', eos: 3, prompt_ids: [4], params: { num_beams: 2, max_new_tokens: 3 },
  bigram: [[0, 0, -9, 0, -9], [-9, -9, -9, 3, -9], [-9, -9, -9, 0, -9], [-9, -9, -9, 0, -9], [1, 0.9, -1, -9, -9]],
  expect: { sequences: [[1, 3], [0, 1, 3]], scores: [-0.40655177164189066, -0.6039327005901204] },
};

function run(file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/conformance.ts', file], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function fileWith(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('conformance command on malformed input', () => {
  it('answers every readable case and gives each unreadable one an error entry', () => {
    const cases = [
      null,
      { id: 'good', logits: [1, 2, 3], params: { top_k: 2 } },
      { id: 'no-params', logits: [1, 2, 3] },
      { id: 'bad-logits', logits: [1, 'x'] },
      { id: 'bad-range', logits: [1, 2], params: { top_p: 7 } },
      { logits: [1] },
      { id: 'stop', kind: 'stop', pieces: ['Hel', 'lo.'], stops: ['.'] },
      { id: 'stop-bad', kind: 'stop', pieces: 'Hello' },
      { id: 'odd-kind', kind: 'nonsense' },
      7,
      { ...beam, id: 'beam' },
      { id: 'beam-no-table', kind: 'beam', eos: 3, prompt_ids: [4], params: { max_new_tokens: 3 } },
      { ...beam, id: 'beam-prompt-outside', prompt_ids: [9] },
      { ...beam, id: 'beam-no-max', params: { num_beams: 2 } },
      { ...beam, id: 'beam-too-many', params: { num_beams: 99, max_new_tokens: 3 } },
    ];
    const { status, stdout, stderr } = run(fileWith('mixed.json', JSON.stringify(cases)));
    expect(status).toBe(0);
    expect(stderr).toBe('');
    const answers = JSON.parse(stdout) as Record<string, unknown>[];
    expect(answers).toHaveLength(cases.length);
    expect(answers[0]).toEqual({ id: null, error: expect.any(String) });
    expect(answers[1]).toMatchObject({ id: 'good', kept: [1, 2], greedy: 2 });
    expect(answers[2]).toMatchObject({ id: 'no-params', kept: [0, 1, 2], greedy: 2 });
    expect(answers[3]).toEqual({ id: 'bad-logits', error: expect.stringContaining('logits') });
    expect(answers[4]).toEqual({ id: 'bad-range', error: expect.stringContaining('top_p') });
    expect(answers[5]).toEqual({ id: null, error: expect.stringContaining('id') });
    expect(answers[6]).toEqual({ id: 'stop', text: 'Hello', stopped_at: 1 });
    expect(answers[7]).toEqual({ id: 'stop-bad', error: expect.stringContaining('pieces') });
    expect(answers[8]).toEqual({ id: 'odd-kind', error: expect.stringContaining('nonsense') });
    expect(answers[9]).toEqual({ id: null, error: expect.any(String) });
    expect(answers[10]).toEqual({ id: 'beam', sequences: beam.expect.sequences, scores: beam.expect.scores.map((x) => expect.closeTo(x, 6)) });
    expect(answers[11]).toEqual({ id: 'beam-no-table', error: expect.stringContaining('bigram') });
    expect(answers[12]).toEqual({ id: 'beam-prompt-outside', error: expect.stringContaining('not a row of bigram') });
    expect(answers[13]).toEqual({ id: 'beam-no-max', error: expect.stringContaining('max_new_tokens') });
    expect(answers[14]).toEqual({ id: 'beam-too-many', error: expect.stringContaining('num_beams') });
  });

  it.each([
    ['a missing file', join(dir, 'nowhere.json')],
    ['an empty file', fileWith('empty.json', '')],
    ['a file that is not JSON', fileWith('broken.json', '[{"id": "a", "logits": [1,')],
    ['a JSON object instead of an array', fileWith('object.json', '{"id": "a"}')],
    ['JSON null', fileWith('null.json', 'null')],
    ['a folder', dir],
  ])('%s: exit 2, one line on stderr, nothing on stdout', (_what, file) => {
    const { status, stdout, stderr } = run(file);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^conformance: /);
  });
});
