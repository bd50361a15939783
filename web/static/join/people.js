// The participant list, for everyone: who is here, who has a hand up, whose microphone is
// off. A moderator also gets, per party, the floor (allow to speak), mute, verbal consent
// and remove.
import { el } from "../lib/dom.js";

/** The tile's name line: the name, and the role when it is the mediator. */
export const tileLabel = (p, t) => p.name + (p.role === "mediator" ? ` · ${t("role_mediator")}` : "");

const ROLE_KEYS = { mediator: "role_mediator", admin: "role_mediator", observer: "role_observer", guest: "role_guest" };
export const roleKey = (role) => ROLE_KEYS[role] || "role_party";

/** Hands up first (in the order they went up), then everyone else as they came. */
export function ordered(participants) {
  const list = [...participants];
  return list.filter((p) => p.hand).concat(list.filter((p) => !p.hand));
}

/**
 * Fill `list` (a <ul>) with the participants (self first).
 *   self: {id, name, role} or null; moderator: show a moderator's controls
 *   request(event, payload): a signaling request
 *   confirmRemove(participant): true when the moderator confirms removing them
 */
export function renderPeople(list, participants, { t, request, confirmRemove, self = null, moderator = false }) {
  const action = (labelKey, testid, onclick, className) =>
    el("button", { text: t(labelKey), dataset: { testid }, className, onclick, type: "button" });
  const row = (p, isSelf) => {
    const li = el("li", { dataset: { participantId: p.id }, className: p.hand ? "hand-up" : "" },
      el("span", { className: "role", text: t(roleKey(p.role)) }),
      el("span", { className: "who", text: isSelf ? `${p.name}（${t("you")}）` : p.name }));
    if (p.hand) li.append(el("span", { className: "hand", text: t("hand_up") }));
    if (p.micMuted) li.append(el("span", { className: "mic-off", text: t("mic_off_short") }));
    if (moderator && !isSelf && p.role !== "mediator") {
      li.append(el("span", { className: "actions" },
        action(p.hand ? "allow_speak" : "ask_speak", "allow-speak", () =>
          request("allow-speak", { participantId: p.id }), p.hand ? "primary-small" : ""),
        action("mute_party", "mute-participant", () =>
          request("mute-participant", { participantId: p.id, kind: "audio" })),
        action("verbal_consent", "verbal-consent", () => request("record-consent", { participantId: p.id })),
        action("remove", "remove", () => {
          if (confirmRemove(p)) request("remove-participant", { participantId: p.id });
        }, "danger")));
    }
    return li;
  };
  const rows = self ? [row(self, true)] : [];
  for (const p of ordered(participants)) rows.push(row(p, false));
  list.replaceChildren(...rows);
}
