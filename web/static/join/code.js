// /join: enter with one's name and the 6-digit code shown on the mediator's screen,
// instead of a link; the server answers with the join link to go to.
import { createApi } from "../lib/api.js";
import { byId as $ } from "../lib/dom.js";
import { pageI18n } from "../lib/i18n.js";
import strings from "./strings.js";

const { t, apply } = pageI18n(strings);
const api = createApi();
apply();
document.title = t("code_page_title");

$("code-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const data = await api.post("/join-code", { name: form.get("name"), code: form.get("code") });
    location.assign(data.url);
  } catch (err) {
    const error = $("code-error");
    error.hidden = false;
    error.dataset.code = err.code;
    error.textContent = err.code === "network" ? t("network") : err.message;
  }
});
