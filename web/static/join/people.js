// The moderator's participant list: everyone in the room, and for each party the
// controls a moderator has (mute, record verbal consent, remove).
import { el } from "../lib/dom.js";

/** The tile's name line: the name, and the role when it is the mediator. */
export const tileLabel = (p, t) => p.name + (p.role === "mediator" ? ` · ${t("role_mediator")}` : "");

/**
 * Fill `list` (a <ul>) with the participants.
 *   request(event, payload): a signaling request
 *   confirmRemove(participant): true when the moderator confirms removing them
 */
export function renderPeople(list, participants, { t, request, confirmRemove }) {
  const action = (labelKey, testid, onclick, className) =>
    el("button", { text: t(labelKey), dataset: { testid }, className, onclick });
  list.replaceChildren(...[...participants].map((p) => {
    const li = el("li", { dataset: { participantId: p.id } },
      el("span", { className: "who", text: p.name }),
      el("span", { className: "role", text: t(p.role === "mediator" ? "role_mediator" : "role_party") }));
    if (p.role === "party") {
      li.append(
        action("mute_party", "mute-participant", () =>
          request("mute-participant", { participantId: p.id, kind: "audio" })),
        action("verbal_consent", "verbal-consent", () => request("record-consent", { participantId: p.id })),
        action("remove", "remove", () => {
          if (confirmRemove(p)) request("remove-participant", { participantId: p.id });
        }, "danger"),
      );
    }
    return li;
  }));
}
