// Finding tokens by their text: a search box listing the matching tokens with their ids, each with one-click
// actions (ban, boost, add as a stop). In model mode the inference worker searches the model's vocabulary; in toy
// mode the toy tokens are the vocabulary.
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { matchRank } from '../../engine/tokenSearch';
import { findTokens } from '../../store/engineBridge';
import { useStore } from '../../store/store';
import { tokenLabel } from '../format';

export interface TokenAction {
  label: string;
  /** The action's accessible name for one token (its visible label alone would not say which token). */
  nameFor(token: string): string;
  run(id: number, text: string): void;
  testId?: string;
}

const SEARCH_DELAY_MS = 150;

/** Matches for a query in the current mode's vocabulary; empty for an empty query. */
function useTokenMatches(query: string): { id: number; text: string }[] {
  const mode = useStore((s) => s.mode);
  const toy = useStore((s) => s.toyTokens);
  const modelStatus = useStore((s) => s.modelStatus);
  const [found, setFound] = useState<{ query: string; matches: { id: number; text: string }[] }>({ query: '', matches: [] });
  useEffect(() => {
    if (mode === 'toy' || query === '') return;
    let stale = false;
    const handle = window.setTimeout(() => {
      void findTokens(query).then((matches) => { if (!stale) setFound({ query, matches }); });
    }, SEARCH_DELAY_MS);
    return () => { stale = true; window.clearTimeout(handle); };
  }, [mode, query, modelStatus]);
  if (query === '') return [];
  if (mode === 'toy') {
    return toy.map((x, id) => ({ id, text: x.label, rank: matchRank(x.label, query) }))
      .filter((m) => m.rank !== null).sort((a, b) => a.rank! - b.rank!).map(({ id, text }) => ({ id, text }));
  }
  return found.query === query ? found.matches : [];
}

export function TokenPicker({ label, actions, testId }: { label: string; actions: TokenAction[]; testId: string }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const matches = useTokenMatches(query);
  const id = useId();
  return (
    <div className="token-picker" data-testid={testId}>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={query} placeholder={t('tokens.searchPlaceholder')} onChange={(e) => setQuery(e.target.value)} />
      {query !== '' && (
        <ul className="token-matches" aria-label={t('tokens.matches', { query })}>
          {matches.length === 0 && <li className="hint">{t('tokens.none')}</li>}
          {matches.map((m) => (
            <li key={m.id} data-token-id={m.id}>
              <code>{tokenLabel(m.text, m.id)}</code> <span className="token-id">#{m.id}</span>
              {actions.map((a) => (
                <button key={a.label} type="button" data-testid={a.testId ? `${a.testId}-${m.id}` : undefined} aria-label={a.nameFor(tokenLabel(m.text, m.id))}
                  onClick={() => a.run(m.id, m.text)}>{a.label}</button>
              ))}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
