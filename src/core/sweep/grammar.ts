// The training grammar as a recogniser (grammar.json, written by scripts/model/grammar.py from corpus.py):
// whether a sentence is one the grammar can produce, and the grammatical rate of generated text.

export interface GrammarJson {
  languages: Record<string, { templates: string[][]; separator: string }>;
  slots: Record<string, string[]>;
}

/** A template part: a literal, or a slot's alternatives. */
type Part = string | readonly string[];

/** Sentences end at "." or "。" (a "?" or "？" inside a quotation does not end one); a line break ends one too. */
const SENTENCE = /[^.。\n]*[.。]|[^\n]+$|[^\n]+(?=\n)/g;

export class GrammarRecogniser {
  private readonly templates: Part[][];

  constructor(json: GrammarJson) {
    if (!json || typeof json !== 'object' || !json.languages || !json.slots) throw new Error('grammar.json: missing languages or slots');
    this.templates = [];
    for (const lang of Object.values(json.languages)) {
      for (const template of lang.templates) {
        this.templates.push(template.map((part) => {
          if (!part.startsWith('$')) return part;
          const words = json.slots[part.slice(1)];
          if (!Array.isArray(words)) throw new Error(`grammar.json: the slot ${part} has no words`);
          return words;
        }));
      }
    }
  }

  /** True when the grammar produces exactly this sentence (surrounding blanks aside). */
  accepts(sentence: string): boolean {
    const text = sentence.trim();
    return this.templates.some((t) => matches(t, 0, text, 0, false));
  }

  /** True when the text could still grow into a sentence of the grammar (an unfinished last sentence). */
  couldContinue(fragment: string): boolean {
    const text = fragment.trimStart();
    return text === '' || this.templates.some((t) => matches(t, 0, text, 0, true));
  }

  /**
   * Judges the sentences of prompt + generated text that contain generated text: every finished one, and the
   * unfinished last one only when it can no longer become grammatical (else it is not judged yet).
   */
  judge(prompt: string, generated: string): { sentences: number; grammatical: number } {
    const text = prompt + generated;
    let sentences = 0;
    let grammatical = 0;
    for (const m of text.matchAll(SENTENCE)) {
      const end = m.index + m[0].length;
      if (end <= prompt.length || m[0].trim() === '') continue;
      const finished = /[.。]$/.test(m[0]) || text[end] === '\n';
      if (!finished && this.couldContinue(m[0])) continue;
      sentences++;
      if (finished && this.accepts(m[0])) grammatical++;
    }
    return { sentences, grammatical };
  }
}

/** Depth-first match of text[pos…] against parts[i…]; with `prefix`, running out of text counts as a match. */
function matches(parts: readonly Part[], i: number, text: string, pos: number, prefix: boolean): boolean {
  if (pos === text.length) return prefix || i === parts.length;
  if (i === parts.length) return false;
  const part = parts[i];
  const options = typeof part === 'string' ? [part] : part;
  for (const word of options) {
    if (text.startsWith(word, pos)) {
      if (matches(parts, i + 1, text, pos + word.length, prefix)) return true;
    } else if (prefix && word.startsWith(text.slice(pos))) {
      return true;
    }
  }
  return false;
}

/** The share of judged sentences that are grammatical, NaN when none could be judged. */
export function grammaticalRate(judged: readonly { sentences: number; grammatical: number }[]): number {
  const rates = judged.filter((j) => j.sentences > 0).map((j) => j.grammatical / j.sentences);
  return rates.length === 0 ? NaN : rates.reduce((s, r) => s + r, 0) / rates.length;
}
