// Copies a link to what is on screen (settings, prompt, toy tokens, classroom mode, the step shown) and says so.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { shareLink } from '../urlSync';

export function CopyLink() {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<'ok' | 'failed' | null>(null);
  useEffect(() => {
    if (copied === null) return;
    const handle = window.setTimeout(() => setCopied(null), 4000);
    return () => window.clearTimeout(handle);
  }, [copied]);
  const copy = async () => {
    const link = shareLink();
    try {
      await navigator.clipboard.writeText(link);
      setCopied('ok');
    } catch {
      // No clipboard permission (an insecure origin, a denied prompt): the link is still in a box to copy by hand.
      window.prompt(t('actions.copyLinkManual'), link);
      setCopied('failed');
    }
  };
  return (
    <span className="copy-link">
      <button type="button" data-testid="copy-link" onClick={() => void copy()}>{t('actions.copyLink')}</button>
      <span role="status" className="copied">{copied === 'ok' ? t('actions.copied') : ''}</span>
    </span>
  );
}
