// The page's languages, apart from i18next and the strings: the entry reads the browser's language before the
// page's chunk (with i18next) is loaded.
export type Lang = 'en' | 'zh';
export const LANGS: Lang[] = ['en', 'zh'];

export function browserLang(): Lang {
  const langs = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language];
  return langs.some((l) => l?.toLowerCase().startsWith('zh')) ? 'zh' : 'en';
}
