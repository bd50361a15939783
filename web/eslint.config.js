// eslint (flat config) over the pages' modules and their unit tests: `npx eslint` in web/.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/"] },
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    // phones' browsers and WeChat's WebView: nothing newer than ES2020 syntax
    languageOptions: { ecmaVersion: 2020, sourceType: "module", globals: { ...globals.browser } },
    rules: {
      // shared modules take what they need as arguments: no page globals
      "no-restricted-globals": ["error", "t", "ct", "applyI18n", "I18N", "LANG", "CONSOLE_I18N", "io"],
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-implicit-globals": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-restricted-properties": ["error",
        { property: "innerHTML", message: "build nodes with lib/dom.js el() (text stays text)" },
        { property: "outerHTML", message: "build nodes with lib/dom.js el()" }],
    },
  },
  {
    files: ["test/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
];
