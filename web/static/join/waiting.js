// The waiting room, both sides. A party's page shows the waiting screen (data-testid
// waiting) until the mediator admits them; the mediator's page lists who waits, with
// 准许进入 (data-testid admit) and 暂不进入 per person, and a bar that says someone waits.
import { el } from "../lib/dom.js";

export class WaitingList {
  /** section: holds a heading and a <ul>; bar: the notice over the video; showPeople():
   * open the participant list (on a phone). */
  constructor({ section, list, count, bar, barText, barActions, barButton, t, request, showPeople, onError = () => {} }) {
    Object.assign(this, { section, list, count, bar, barText, barActions, barButton, t, request, onError });
    this.entries = new Map(); // waiting id -> {id, name, role, since}
    barButton.addEventListener("click", () => showPeople());
  }

  /** 准许进入 and 暂不进入 for one waiting person. */
  buttons(entry) {
    return [
      el("button", {
        type: "button", className: "primary-small", text: this.t("admit"), dataset: { testid: "admit" },
        onclick: () => this.decide("admit", entry),
      }),
      el("button", {
        type: "button", className: "plain", text: this.t("turn_away"), dataset: { testid: "turn-away" },
        onclick: () => this.decide("turn-away", entry),
      }),
    ];
  }

  load(entries) {
    this.entries.clear();
    for (const entry of entries || []) this.entries.set(entry.id, entry);
    this.render();
  }

  add(entry) {
    this.entries.set(entry.id, entry);
    this.render();
  }

  remove(id) {
    this.entries.delete(id);
    this.render();
  }

  render() {
    const entries = [...this.entries.values()].sort((a, b) => a.since - b.since);
    this.section.hidden = entries.length === 0;
    this.bar.hidden = entries.length === 0;
    this.count.textContent = String(entries.length);
    // the bar, always in view whatever the panel shows: the first to come, at one tap
    this.barText.textContent = entries.length === 1
      ? this.t("waiting_one", { name: entries[0].name })
      : this.t("waiting_many", { count: entries.length });
    this.barActions.replaceChildren(...(entries.length ? this.buttons(entries[0]) : []));
    this.barButton.hidden = entries.length < 2;
    this.list.replaceChildren(...entries.map((entry) =>
      el("li", { dataset: { waitingId: entry.id } },
        el("span", { className: "who", text: entry.name }),
        el("span", { className: "actions" }, ...this.buttons(entry)))));
  }

  async decide(event, entry) {
    const ack = await this.request(event, { waitingId: entry.id });
    if (!ack.ok) this.onError(ack.error.code);
    this.remove(entry.id); // the hub also says waiting-left
  }
}

/** The party's waiting screen: the room's name, a calm message, the time waited. */
export class WaitingScreen {
  constructor({ root, roomName, since, preview, leave, t }) {
    Object.assign(this, { root, roomName, since, preview, leave, t });
    this.handle = null;
  }

  /**
   * Held here until a mediator admits us: `others` (the page's other screens) hide, the
   * camera's preview shows once it is ready (it stays on meanwhile), `onLeave` on 离开.
   * Again while waiting (a reconnect): nothing changes.
   */
  enter(room, others, camera, onLeave) {
    for (const node of others) node.hidden = true;
    if (!this.root.hidden) return;
    this.show(room);
    camera.ready.then(() => {
      this.preview.srcObject = camera.stream;
    });
    this.leave.onclick = onLeave;
  }

  show(room, startedLocally = Date.now()) {
    this.roomName.textContent = room.name;
    this.root.hidden = false;
    const tick = () => {
      const minutes = Math.floor((Date.now() - startedLocally) / 60000);
      this.since.textContent = minutes < 1 ? this.t("waited_just_now") : this.t("waited_minutes", { minutes });
    };
    tick();
    clearInterval(this.handle);
    this.handle = setInterval(tick, 15000);
  }

  hide() {
    this.root.hidden = true;
    clearInterval(this.handle);
    this.handle = null;
  }
}
