// User-facing text: one table per page family ({zh: {...}, en: {...}}, Chinese first and
// complete; English may fall back to Chinese). Pages mark text with data-i18n="key"
// (textContent) and data-i18n-placeholder="key", and call t(key, vars) in code.

/** "en" when the browser prefers English, otherwise "zh" (the product's first language). */
export function pickLanguage(languages) {
  const first = [].concat(languages || []).find(Boolean) || "";
  return /^en\b/i.test(first) ? "en" : "zh";
}

/** t(key, {name}) from the table in `lang`, then Chinese, then the key itself. */
export function translator(table, lang) {
  const own = table[lang] || {};
  const zh = table.zh || {};
  return function t(key, vars) {
    let text = own[key] ?? zh[key] ?? key;
    for (const [name, value] of Object.entries(vars || {})) {
      text = text.split(`{${name}}`).join(String(value)); // no $& patterns, no replaceAll (old WebViews)
    }
    return text;
  };
}

/** Has the table this key (in Chinese, the language every key must have)? */
export const hasKey = (table, key) => Object.prototype.hasOwnProperty.call(table.zh || {}, key);

/** Fill the marked elements under root and set the document's language. */
export function applyTranslations(root, t, lang) {
  const doc = root.ownerDocument || root;
  if (doc.documentElement) doc.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of root.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  }
}

/** Everything a page needs: {lang, t, apply(root)}, for the browser's language. */
export function pageI18n(table, language = globalThis.navigator?.language) {
  const lang = pickLanguage(language);
  const t = translator(table, lang);
  return { lang, t, apply: (root = document) => applyTranslations(root, t, lang) };
}
