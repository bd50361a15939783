import assert from "node:assert/strict";
import { test } from "node:test";
import { hasKey, pickLanguage, translator } from "../../static/lib/i18n.js";

const table = {
  zh: { hello: "你好，{name}", only_zh: "仅中文", twice: "{n} 和 {n}" },
  en: { hello: "Hello, {name}", twice: "{n} and {n}" },
};

test("Chinese unless the browser prefers English", () => {
  assert.equal(pickLanguage("zh-CN"), "zh");
  assert.equal(pickLanguage("en-US"), "en");
  assert.equal(pickLanguage("en"), "en");
  assert.equal(pickLanguage("eng"), "zh"); // not a real English tag
  assert.equal(pickLanguage(""), "zh");
  assert.equal(pickLanguage(undefined), "zh");
  assert.equal(pickLanguage(["en-GB", "zh-CN"]), "en");
});

test("a key is looked up in the language, then in Chinese, then is itself", () => {
  const en = translator(table, "en");
  assert.equal(en("hello", { name: "Li" }), "Hello, Li");
  assert.equal(en("only_zh"), "仅中文");
  assert.equal(en("missing"), "missing");
  assert.equal(translator(table, "zh")("hello", { name: "李四" }), "你好，李四");
});

test("every occurrence of a placeholder is filled, values as text", () => {
  assert.equal(translator(table, "en")("twice", { n: 3 }), "3 and 3");
  assert.equal(translator(table, "zh")("hello", { name: "<b>$&</b>" }), "你好，<b>$&</b>");
});

test("hasKey looks at the Chinese table only", () => {
  assert.ok(hasKey(table, "only_zh"));
  assert.ok(!hasKey(table, "toString"));
  assert.ok(!hasKey({ zh: {}, en: { x: "x" } }, "x"));
});
