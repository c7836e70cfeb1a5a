// Visible notices (a refused link parameter, a bad import), each dismissible, in the current language.
import { useTranslation } from 'react-i18next';
import { useStore } from '../../store/store';
import { messageText } from '../messages';
import { downloadRunsJson } from './ExportPanel';

export function Notices() {
  const { t } = useTranslation();
  const notices = useStore((s) => s.notices);
  const dismiss = useStore((s) => s.dismiss);
  const linkTooBig = useStore((s) => s.linkTooBig);
  const hasRuns = useStore((s) => s.runOrder.length > 0);
  if (notices.length === 0 && !linkTooBig) return null;
  return (
    <div className="notices" role="status" data-testid="notices">
      {notices.map((n) => (
        <p key={n.id} className="notice" data-testid="notice">
          {messageText(t, n)}
          <button type="button" onClick={() => dismiss(n.id)}>{t('notices.dismiss')}</button>
        </p>
      ))}
      {linkTooBig && (
        <p className="notice" data-testid="link-too-big">
          {t('notices.linkTooBig', { size: linkTooBig.size.toLocaleString(), max: linkTooBig.max.toLocaleString() })}
          {hasRuns && <button type="button" data-testid="link-too-big-export" onClick={downloadRunsJson}>{t('actions.export')}</button>}
        </p>
      )}
    </div>
  );
}
