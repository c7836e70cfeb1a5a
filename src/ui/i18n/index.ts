// i18next set-up: English and 中文 resources, default from the browser, switchable at run time.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zh } from './zh';

export type Lang = 'en' | 'zh';
export const LANGS: Lang[] = ['en', 'zh'];

export function browserLang(): Lang {
  const langs = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language];
  return langs.some((l) => l?.toLowerCase().startsWith('zh')) ? 'zh' : 'en';
}

export function initI18n(lang: Lang): typeof i18next {
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, zh: { translation: zh } },
    lng: lang,
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes; model text is never rendered as HTML
    returnObjects: true,
  });
  return i18next;
}
