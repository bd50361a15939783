// The mediation agreement (调解协议书) as people read it on a phone: the same sections,
// in the same order, as the PDF (recorder/agreement_pdf.py).
import { el } from "../lib/dom.js";

export const SECTIONS = [
  ["facts", "section_facts"],
  ["terms", "section_terms"],
  ["performance", "section_performance"],
];

/** Fill `root` with the agreement's text (everything as text, never HTML). */
export function renderAgreement(root, content, t) {
  const parties = (content.parties || []).map((p, i) =>
    el("p", { text: `${t("party_n", { n: i + 1 })}：${p.name}${p.details ? `，${p.details}` : ""}` }));
  root.replaceChildren(
    el("h2", { className: "doc-title", text: content.title }),
    content.caseNumber ? el("p", { className: "doc-number", text: `${t("case_number")}：${content.caseNumber}` }) : "",
    el("h3", { text: t("section_parties") }),
    ...parties,
    ...SECTIONS.flatMap(([key, label]) => [
      el("h3", { text: t(label) }),
      el("p", { className: "doc-text", text: content[key] || "—" }),
    ]),
    el("p", { className: "doc-text", text: `${content.closing}${t("copies_clause", { copies: content.copies })}` }),
    el("p", { className: "doc-sign", text: `${t("role_mediator")}：${content.mediator}` }),
    el("p", { className: "doc-sign", text: `${content.committee}` }),
    el("p", { className: "doc-sign", text: content.date }),
  );
}

/** "张三 ✓ 已签  李四 待签 …" as list items. */
export function renderSigners(list, agreement, t) {
  list.replaceChildren(...(agreement.signers || []).map((s) =>
    el("li", { className: s.signed ? "signed" : "", dataset: { participantId: s.participantId || "" } },
      el("span", { className: "who", text: s.name }),
      el("span", { className: "state", text: s.signed ? t("signed") : t("not_signed") }))));
}
