// The mediation agreement in the room. The mediator (data-testid agreement) drafts it
// from the case, edits it and sends it to be signed; everyone who must sign reads it
// and signs with a finger (data-testid sign); when all have signed the hub makes the
// sealed PDF. AgreementDesk is the mediator's tab, AgreementSheet a party's screen.
import { el } from "../lib/dom.js";
import { SECTIONS, renderAgreement, renderSigners } from "./agreement-view.js";
import { SignaturePad } from "./signature-pad.js";

/** Fetch the sealed PDF with this page's token and offer it as a link. */
export async function pdfLink(api, agreement, t) {
  const response = await api.get(`/agreements/${encodeURIComponent(agreement.id)}/pdf`, { raw: true });
  const url = URL.createObjectURL(await response.blob());
  return el("a", { className: "pdf-link", href: url, download: `调解协议书-${agreement.id.slice(0, 8)}.pdf`, text: t("open_pdf"), dataset: { testid: "agreement-pdf" } });
}

/** A signing block: a pad, 清除 and 确认签名 (data-testid sign). onSign(dataUrl) -> ack. */
export function signingBlock({ t, onSign }) {
  const canvas = el("canvas", { className: "pad", dataset: { testid: "signature-pad" } });
  const sign = el("button", { type: "button", className: "primary", text: t("sign_confirm"), dataset: { testid: "sign" }, disabled: true });
  const pad = new SignaturePad(canvas, { onChange: (drawn) => (sign.disabled = !drawn) });
  const status = el("p", { className: "sign-status", role: "status" });
  sign.addEventListener("click", async () => {
    sign.disabled = true;
    const ack = await onSign(pad.toDataURL());
    if (!ack.ok) {
      status.textContent = t(`sign_${ack.error.code}`) || ack.error.message;
      sign.disabled = false;
    }
  });
  const block = el("div", { className: "signing" },
    el("p", { className: "sign-hint", text: t("sign_hint") }),
    canvas,
    el("div", { className: "sign-actions" },
      el("button", { type: "button", className: "plain", text: t("sign_clear"), onclick: () => pad.clear() }),
      sign),
    status);
  return { block, pad };
}

export class AgreementDesk {
  constructor({ root, button, t, request, api, selfId }) {
    Object.assign(this, { root, t, request, api, selfId });
    this.agreement = null;
    button.addEventListener("click", () => this.draft());
  }

  async draft() {
    const ack = await this.request("agreement-draft", {});
    if (!ack.ok) return this.message(ack.error.code);
    this.edit(ack.draft);
  }

  message(code) {
    this.root.replaceChildren(el("p", { className: "warning", text: this.t(code) }));
  }

  field(label, value, { rows = 3, key }) {
    const input = el("textarea", { rows, value: value || "", dataset: { key } });
    return el("label", { className: "field" }, el("span", { text: label }), input);
  }

  /** The draft as a form: parties, facts, terms, performance, copies. */
  edit(content) {
    const parties = el("div", { className: "party-rows" }, ...content.parties.map((p) =>
      el("div", { className: "party-row" },
        el("input", { value: p.name, dataset: { part: "name" }, maxLength: 50, "aria-label": this.t("party_name") }),
        el("input", { value: p.details || "", dataset: { part: "details" }, maxLength: 200, placeholder: this.t("party_details") }))));
    const copies = el("input", { type: "number", min: 1, max: 10, value: content.copies, className: "copies" });
    const send = el("button", { type: "button", className: "primary", text: this.t("agreement_send"), dataset: { testid: "agreement-propose" } });
    const fields = SECTIONS.map(([key, label]) => this.field(this.t(label), content[key], { key, rows: key === "terms" ? 5 : 3 }));
    const status = el("p", { className: "warning", hidden: true });
    this.root.replaceChildren(
      el("h3", { text: content.title }),
      el("p", { className: "hint", text: this.t("agreement_hint") }),
      el("h4", { text: this.t("section_parties") }), parties,
      ...fields,
      el("label", { className: "field inline" }, el("span", { text: this.t("copies") }), copies),
      content.notes ? el("details", {}, el("summary", { text: this.t("minutes_tab") }), el("p", { className: "doc-text", text: content.notes })) : "",
      status, send);
    send.addEventListener("click", async () => {
      const edited = { ...content };
      delete edited.notes;
      edited.parties = [...parties.children].map((row) => ({
        name: row.querySelector('[data-part="name"]').value.trim(),
        details: row.querySelector('[data-part="details"]').value.trim(),
      })).filter((p) => p.name);
      for (const node of this.root.querySelectorAll("textarea[data-key]")) edited[node.dataset.key] = node.value;
      edited.copies = Number(copies.value) || 3;
      send.disabled = true;
      const ack = await this.request("agreement-propose", { content: edited });
      send.disabled = false;
      if (!ack.ok) {
        status.hidden = false;
        status.textContent = this.t(ack.error.code === "bad_request" ? "agreement_incomplete" : ack.error.code);
        return;
      }
      this.show(ack.agreement);
    });
  }

  /** The agreement out for signing, or sealed: who signed; the mediator's own signature. */
  async show(agreement) {
    if (this.agreement && this.agreement.id === agreement.id && this.agreement.state === agreement.state
      && JSON.stringify(this.agreement.signers) === JSON.stringify(agreement.signers)) return;
    this.agreement = agreement;
    const signers = el("ul", { className: "signers" });
    renderSigners(signers, agreement, this.t);
    const doc = el("div", { className: "doc" });
    renderAgreement(doc, agreement.content, this.t);
    const me = agreement.signers.find((s) => s.participantId === this.selfId());
    const parts = [el("h3", { text: this.t(agreement.state === "sealed" ? "agreement_sealed" : "agreement_signing") }), signers];
    if (agreement.state === "sealed") {
      parts.push(el("p", { className: "ok-note", text: this.t("agreement_sealed_note") }));
      try {
        parts.push(await pdfLink(this.api, agreement, this.t));
      } catch (err) {
        console.warn("pdf", err);
      }
    } else if (me && !me.signed) {
      const { block, pad } = signingBlock({
        t: this.t,
        onSign: (image) => this.request("agreement-sign", { agreementId: agreement.id, contentSha256: agreement.contentSha256, image }),
      });
      parts.push(block);
      requestAnimationFrame(() => pad.resize());
    }
    parts.push(el("details", {}, el("summary", { text: this.t("agreement_text") }), doc));
    this.root.replaceChildren(...parts);
  }
}

/** A party's full-screen sheet: read the agreement, sign it, then see it sealed. */
export class AgreementSheet {
  constructor({ sheet, doc, signArea, status, close, t, request, api, selfId, onSealed }) {
    Object.assign(this, { sheet, doc, signArea, status, t, request, api, selfId, onSealed });
    this.agreement = null;
    this.pad = null;
    close.addEventListener("click", () => (this.sheet.hidden = true));
  }

  /** After sealing: a button to the satisfaction form, under the sealed note. */
  offerFeedback(open) {
    if (this.status.querySelector("[data-testid=open-feedback]")) return;
    this.status.append(el("button", { type: "button", className: "primary", text: this.t("feedback_open"), dataset: { testid: "open-feedback" },
      onclick: () => {
        this.sheet.hidden = true;
        open();
      } }));
  }

  async show(agreement) {
    const me = agreement.signers.find((s) => s.participantId === this.selfId());
    if (!me) return; // not a signer (an observer): nothing to do
    const changed = !this.agreement || this.agreement.id !== agreement.id;
    const sealedNow = agreement.state === "sealed" && this.agreement?.state !== "sealed";
    this.agreement = agreement;
    if (changed) {
      renderAgreement(this.doc, agreement.content, this.t);
      this.sheet.hidden = false;
      this.sheet.scrollTop = 0;
    }
    if (agreement.state === "sealed") {
      this.signArea.replaceChildren();
      if (sealedNow) {
        const slot = el("div", { className: "pdf-slot" }); // the link comes first, whenever it loads
        this.status.replaceChildren(el("p", { className: "ok-note", text: this.t("agreement_sealed_note") }), slot);
        try {
          slot.append(await pdfLink(this.api, agreement, this.t));
        } catch (err) {
          console.warn("pdf", err);
        }
        this.onSealed();
      }
      return;
    }
    if (me.signed) {
      this.signArea.replaceChildren();
      const waiting = agreement.signers.filter((s) => !s.signed).map((s) => s.name).join("、");
      this.status.replaceChildren(el("p", { className: "ok-note", text: this.t("signed_waiting", { names: waiting }) }));
      return;
    }
    if (changed || !this.signArea.firstChild) {
      const { block, pad } = signingBlock({
        t: this.t,
        onSign: (image) => this.request("agreement-sign", { agreementId: agreement.id, contentSha256: agreement.contentSha256, image }),
      });
      this.pad = pad;
      this.signArea.replaceChildren(block);
      this.status.replaceChildren();
      requestAnimationFrame(() => pad.resize());
    }
  }
}
