// Each page family's table is complete in both languages, and every key its pages use exists.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import consoleStrings from "../../static/console/strings.js";
import homeStrings from "../../static/home/strings.js";
import joinStrings from "../../static/join/strings.js";
import officeStrings from "../../static/office/strings.js";
import wallStrings from "../../static/wall/strings.js";

const STATIC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "static");
const FAMILIES = {
  join: joinStrings, console: consoleStrings, "console/views": consoleStrings, home: homeStrings, wall: wallStrings, office: officeStrings,
};

const files = (folder, ext) => readdirSync(join(STATIC, folder)).filter((f) => f.endsWith(ext)).map((f) => join(STATIC, folder, f));

for (const [name, table] of Object.entries({ join: joinStrings, console: consoleStrings, home: homeStrings, wall: wallStrings, office: officeStrings })) {
  test(`${name}: Chinese and English have the same keys, none empty`, () => {
    assert.deepEqual(Object.keys(table.en).sort(), Object.keys(table.zh).sort());
    for (const lang of ["zh", "en"]) {
      for (const [key, text] of Object.entries(table[lang])) assert.ok(text.trim(), `${lang}.${key} is empty`);
    }
  });
}

for (const [folder, table] of Object.entries(FAMILIES)) {
  test(`${folder}: every data-i18n key of its pages is in its table`, () => {
    for (const file of files(folder, ".html")) {
      const html = readFileSync(file, "utf8");
      for (const [, key] of html.matchAll(/data-i18n(?:-placeholder|-label)?="([^"]+)"/g)) {
        assert.ok(Object.hasOwn(table.zh, key), `${file}: ${key}`);
      }
    }
  });

  test(`${folder}: every literal t("key") of its scripts is in its table`, () => {
    for (const file of files(folder, ".js")) {
      if (file.endsWith("strings.js")) continue;
      const js = readFileSync(file, "utf8");
      for (const [, key] of js.matchAll(/\bt\("([a-z_-]+)"/g)) {
        assert.ok(Object.hasOwn(table.zh, key), `${file}: ${key}`);
      }
    }
  });
}
