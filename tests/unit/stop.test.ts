// Stop sequences over streamed pieces: first completed stop wins, held-back tails are never shown then taken back.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StopMatcher } from '../../src/core';

describe('StopMatcher', () => {
  it.each([
    [['Hel', 'lo.'], ['.'], 'Hello', 1],
    [['The en', 'd of', ' it'], ['end of'], 'The ', 1],
    [['a b c d'], ['c', 'b'], 'a ', 0],
    [['abc', 'def'], ['xyz'], 'abcdef', null],
    [['ab', 'c'], [''], 'abc', null],
    [['x', 'YZ', 'w'], ['YZ', 'xY'], '', 1],
  ])('%j with stops %j shows %j', (pieces, stops, text, stoppedAt) => {
    const m = new StopMatcher(stops);
    let at: number | null = null;
    for (let i = 0; i < pieces.length; i++) if (m.push(pieces[i]).stopped) { at = i; break; }
    if (at === null) m.flush();
    expect(m.text).toBe(text);
    expect(at).toBe(stoppedAt);
  });

  it('holds back a tail that could still become a stop string', () => {
    const m = new StopMatcher(['END']);
    expect(m.push('abc E').emit).toBe('abc ');
    expect(m.push('N').emit).toBe('');
    expect(m.push('x').emit).toBe('ENx');
  });

  it('refuses more than 8 stop strings', () => {
    expect(() => new StopMatcher(['1', '2', '3', '4', '5', '6', '7', '8', '9'])).toThrow(/at most 8/);
  });

  it('what is shown is always a prefix of the final text, and the final text never contains a stop', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 4 }), { maxLength: 12 }), fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 3 }), (pieces, stops) => {
      const m = new StopMatcher(stops);
      let shown = '';
      let stopped = false;
      for (const piece of pieces) {
        const r = m.push(piece);
        shown += r.emit;
        if (r.stopped) { stopped = true; break; }
      }
      if (!stopped) shown += m.flush();
      const full = pieces.join('');
      expect(full.startsWith(shown)).toBe(true);
      for (const s of stops) expect(shown.includes(s)).toBe(false);
      if (!stopped) expect(shown).toBe(full);
    }));
  });
});
