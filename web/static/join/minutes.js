// The mediator's minutes (笔录, data-testid minutes): typed during the session, saved to
// the hub a moment after typing stops and when the field loses focus; kept with the case.
import { clockTime } from "./chat.js";

export const SAVE_AFTER_MS = 1500;

export class Minutes {
  constructor({ field, status, t, request }) {
    Object.assign(this, { field, status, t, request });
    this.version = 0;
    this.saved = "";
    this.timer = null;
    this.saving = null;
    field.addEventListener("input", () => this.schedule());
    field.addEventListener("blur", () => this.save());
  }

  load(minutes) {
    if (!minutes) return;
    this.version = minutes.version;
    this.saved = minutes.text;
    if (document.activeElement !== this.field) this.field.value = minutes.text;
    this.show(minutes.updatedAt ? this.t("minutes_saved", { time: clockTime(minutes.updatedAt) }) : "");
  }

  show(text, bad = false) {
    this.status.textContent = text;
    this.status.classList.toggle("bad", bad);
  }

  schedule() {
    clearTimeout(this.timer);
    this.show(this.t("minutes_editing"));
    this.timer = setTimeout(() => this.save(), SAVE_AFTER_MS);
  }

  async save() {
    clearTimeout(this.timer);
    const text = this.field.value;
    if (text === this.saved) return this.saving;
    await this.saving; // one save at a time, in order
    this.saving = (async () => {
      const ack = await this.request("minutes", { text, version: this.version });
      if (!ack.ok) return this.show(this.t(ack.error.code === "conflict" ? "minutes_conflict" : "minutes_failed"), true);
      this.version = ack.minutes.version;
      this.saved = text;
      this.show(this.t("minutes_saved", { time: clockTime(ack.minutes.updatedAt) }));
    })();
    return this.saving;
  }
}
