// A "?" that opens a knob's explanation: what it does, its formula, when to use it, an example. Its accessible
// name says which knob it explains.
import { useTranslation } from 'react-i18next';

export function Help({ topic, name, open }: { topic: string; name: string; open?: boolean }) {
  const { t } = useTranslation();
  const explain = t(topic.startsWith('explain.') ? topic : `explain.${topic}`, { returnObjects: true }) as unknown as Record<string, string>;
  const labels = t('explain.labels', { returnObjects: true }) as unknown as Record<string, string>;
  return (
    <details className="explain" open={open}>
      <summary aria-label={t('params.helpFor', { name })} title={t('params.helpFor', { name })}>?</summary>
      <dl>
        <dt>{labels.what}</dt><dd>{explain.what}</dd>
        <dt>{labels.formula}</dt><dd><code>{explain.formula}</code></dd>
        <dt>{labels.when}</dt><dd>{explain.when}</dd>
        <dt>{labels.example}</dt><dd>{explain.example}</dd>
      </dl>
    </details>
  );
}
