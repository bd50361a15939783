// The room's text chat: messages from the hub (`chat` events and the join answer's
// history), an input and a send button (data-testid chat-input / chat-send). Kept with
// the case on the hub; this module only shows and sends.
import { el } from "../lib/dom.js";

/** "14:05" in the viewer's local time, from an ISO timestamp. */
export const clockTime = (iso) => {
  const at = new Date(iso);
  return Number.isNaN(at.getTime())
    ? ""
    : `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
};

export class Chat {
  /**
   * list: a <ol> for messages; input, send: the text field and its button; t: i18n;
   * request(event, payload): a signaling request; onUnread(n): unread count while hidden.
   */
  constructor({ list, input, send, form, t, request, selfId, onUnread = () => {}, onError = () => {} }) {
    this.list = list;
    this.input = input;
    this.send = send;
    this.t = t;
    this.request = request;
    this.selfId = selfId;
    this.onUnread = onUnread;
    this.onError = onError;
    this.seen = new Set();
    this.unread = 0;
    this.visible = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  /** Replace the history (after a (re)join). */
  load(messages) {
    this.list.replaceChildren();
    this.seen.clear();
    for (const message of messages || []) this.add(message, false);
  }

  add(message, live = true) {
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    const mine = message.participantId === this.selfId();
    const role = message.role === "mediator" ? ` · ${this.t("role_mediator")}` : "";
    this.list.append(
      el("li", { className: mine ? "mine" : "", dataset: { messageId: String(message.id) } },
        el("div", { className: "meta", text: `${mine ? this.t("you") : message.name}${role}  ${clockTime(message.at)}` }),
        el("div", { className: "text", text: message.text })),
    );
    this.list.scrollTop = this.list.scrollHeight;
    if (live && !mine && !this.visible) {
      this.unread += 1;
      this.onUnread(this.unread);
    }
  }

  show(visible) {
    this.visible = visible;
    if (visible) {
      this.unread = 0;
      this.onUnread(0);
      this.list.scrollTop = this.list.scrollHeight;
    }
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.send.disabled = true;
    const ack = await this.request("chat", { text });
    this.send.disabled = false;
    if (!ack.ok) return this.onError(ack.error.code);
    this.input.value = "";
    this.add(ack.message, false);
  }
}
