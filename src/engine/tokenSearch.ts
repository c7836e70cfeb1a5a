// Finding tokens by their text, so a person can ban or boost "sunny" without knowing its id: exact matches first,
// then the same word with its leading space, then tokens that start with the text, then tokens that contain it.

export interface TokenMatch {
  id: number;
  text: string;
}

/** How well a token's text matches the query: 0 best; null when it does not match at all. */
export function matchRank(text: string, query: string): number | null {
  if (query === '') return null;
  if (text === query) return 0;
  const bare = text.trim().toLowerCase();
  const q = query.trim().toLowerCase();
  if (q === '') return null;
  if (bare === q) return text.trimStart() === query.trimStart() ? 1 : 2;
  if (bare.startsWith(q)) return 3;
  if (bare.includes(q)) return 4;
  return null;
}

/** The best `limit` matches among `count` tokens whose texts `textOf` gives, best first (ties: lower id). */
export function findTokens(count: number, textOf: (id: number) => string, query: string, limit: number): TokenMatch[] {
  const found: { id: number; text: string; rank: number }[] = [];
  for (let id = 0; id < count; id++) {
    const text = textOf(id);
    const rank = matchRank(text, query);
    if (rank !== null) found.push({ id, text, rank });
  }
  found.sort((a, b) => a.rank - b.rank || a.text.length - b.text.length || a.id - b.id);
  return found.slice(0, limit).map(({ id, text }) => ({ id, text }));
}
