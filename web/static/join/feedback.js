// The parties' satisfaction form (评价) after the session: five big choices, whether the
// mediator was fair, an optional comment. Kept with the case on the hub.
import { el } from "../lib/dom.js";

export const RATINGS = [5, 4, 3, 2, 1];

export class FeedbackForm {
  constructor({ sheet, choices, fair, comment, submit, done, close, t, request }) {
    Object.assign(this, { sheet, choices, fair, comment, submit, done, t, request });
    this.rating = null;
    this.fairValue = null;
    this.sent = false;
    choices.replaceChildren(...RATINGS.map((n) =>
      el("button", { type: "button", className: "choice", text: t(`rating_${n}`), dataset: { testid: `rating-${n}`, rating: String(n) },
        onclick: () => this.pick(n) })));
    for (const button of fair.querySelectorAll("button")) {
      button.addEventListener("click", () => {
        this.fairValue = button.dataset.fair === "true";
        for (const other of fair.querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === button));
      });
    }
    submit.addEventListener("click", () => this.send());
    close.addEventListener("click", () => (this.sheet.hidden = true));
  }

  open() {
    if (this.sent) return;
    this.sheet.hidden = false;
  }

  pick(n) {
    this.rating = n;
    for (const button of this.choices.querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.rating === String(n)));
    }
    this.submit.disabled = false;
  }

  async send() {
    if (!this.rating) return;
    this.submit.disabled = true;
    const payload = { rating: this.rating, fair: this.fairValue };
    const comment = this.comment.value.trim();
    if (comment) payload.comment = comment;
    const ack = await this.request("feedback", payload);
    if (!ack.ok) {
      this.submit.disabled = false;
      return;
    }
    this.sent = true;
    this.done.hidden = false;
    this.submit.hidden = true;
  }
}
