// The mediator's 邀请 tab in the room: invite someone by name and hand them the
// invitation as people actually do: a short link to copy (data-testid copy-link), a QR
// code to scan from the screen, and a ready message to paste into WeChat.
import { el } from "../lib/dom.js";

/** Copy text to the clipboard; WeChat's and old browsers' WebViews lack the async API. */
export async function copyText(text, doc = document) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = el("textarea", { value: text, readOnly: true });
    area.style.position = "fixed";
    area.style.opacity = "0";
    doc.body.append(area);
    area.select();
    const done = doc.execCommand ? doc.execCommand("copy") : false;
    area.remove();
    return done;
  }
}

export class InvitePanel {
  /** form: name input + submit; list: where invitation cards go; api: lib/api.js client
   * with this page's token; roomId: () => the room's id. */
  constructor({ form, name, list, api, roomId, t, onError = () => {} }) {
    Object.assign(this, { form, name, list, api, roomId, t, onError });
    this.urls = [];
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.invite();
    });
  }

  async invite() {
    const name = this.name.value.trim();
    if (!name) return;
    const button = this.form.querySelector("button");
    button.disabled = true;
    try {
      const invitation = await this.api.post(`/rooms/${encodeURIComponent(this.roomId())}/invitations`, { name, role: "party" });
      this.name.value = "";
      await this.show(invitation);
    } catch (err) {
      this.onError(err.code || "internal");
    } finally {
      button.disabled = false;
    }
  }

  async show(invitation) {
    const link = invitation.shortUrl || invitation.url;
    const qr = el("img", { className: "qr", alt: this.t("qr_alt", { name: invitation.name }) });
    qr.dataset.testid = "invite-qr";
    const status = el("span", { className: "copied", text: "" });
    const copy = async (text, key) => {
      status.textContent = (await copyText(text)) ? this.t(key) : this.t("copy_failed");
    };
    const card = el("li", { className: "invite-card", dataset: { invitationId: invitation.id } },
      el("div", { className: "invite-who", text: invitation.name }),
      qr,
      el("div", { className: "invite-link", text: link, dataset: { testid: "invite-short-link" } }),
      el("div", { className: "invite-code", text: `${this.t("invite_code")}：${invitation.code}` }),
      el("div", { className: "invite-actions" },
        el("button", { type: "button", className: "primary-small", text: this.t("copy_link"), dataset: { testid: "copy-link" },
          onclick: () => copy(link, "copied_link") }),
        el("button", { type: "button", text: this.t("copy_wechat"), dataset: { testid: "copy-wechat" },
          onclick: () => copy(invitation.wechatText, "copied_wechat") }),
        status),
      el("p", { className: "wechat-text", text: invitation.wechatText }));
    this.list.prepend(card);
    this.form.scrollIntoView({ block: "nearest" });
    try {
      const response = await this.api.get(invitation.qr.replace(/^\/api\/v1/, ""), { raw: true });
      const url = URL.createObjectURL(await response.blob());
      this.urls.push(url);
      qr.src = url;
    } catch (err) {
      qr.replaceWith(el("p", { className: "warning", text: this.t("qr_failed") }));
      console.warn("qr", err);
    }
  }
}
