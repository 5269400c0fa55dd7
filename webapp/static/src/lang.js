// The page's language, as the server set <html lang>: the scripts speak Chinese, or English on request.

export const ENGLISH = (document.documentElement.lang || '').toLowerCase().startsWith('en');

// The text in the page's language, given in Chinese and in English.
export function t(zh, en) {
  return ENGLISH ? en : zh;
}
