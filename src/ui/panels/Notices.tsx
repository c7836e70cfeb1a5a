// Visible notices (a refused link parameter, a bad import), each dismissible, in the current language.
import { useTranslation } from 'react-i18next';
import { useStore } from '../../store/store';
import { messageText } from '../messages';

export function Notices() {
  const { t } = useTranslation();
  const notices = useStore((s) => s.notices);
  const dismiss = useStore((s) => s.dismiss);
  if (notices.length === 0) return null;
  return (
    <div className="notices" role="status" data-testid="notices">
      {notices.map((n) => (
        <p key={n.id} className="notice" data-testid="notice">
          {messageText(t, n)}
          <button type="button" onClick={() => dismiss(n.id)}>{t('notices.dismiss')}</button>
        </p>
      ))}
    </div>
  );
}
