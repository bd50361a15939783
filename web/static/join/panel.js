// The room's side panel: tabs (people, chat; for a mediator also minutes, invitations
// and the agreement). On a desktop it stays open beside the video; on a phone it opens
// as a sheet over the video from the control bar and closes again.

export const isWide = () => globalThis.matchMedia?.("(min-width: 900px)").matches ?? false;

export class Panel {
  /**
   * root: the <aside>, holding buttons [data-tab] and sections [data-pane];
   * openers: {tab: control-bar button}; close: the sheet's close button;
   * onShow(tab, visible): a pane was shown or hidden (chat counts unread while hidden).
   */
  constructor({ root, openers = {}, close, onShow = () => {} }) {
    this.root = root;
    this.openers = openers;
    this.onShow = onShow;
    this.tab = "people";
    this.open = false;
    for (const button of root.querySelectorAll("[data-tab]")) {
      button.addEventListener("click", () => this.show(button.dataset.tab));
    }
    for (const [tab, button] of Object.entries(openers)) {
      button.addEventListener("click", () => (this.open && this.tab === tab ? this.hide() : this.show(tab)));
    }
    close?.addEventListener("click", () => this.hide());
  }

  /** Show a tab (and, on a phone, open the sheet). */
  show(tab) {
    const before = this.tab;
    this.tab = tab;
    this.open = true;
    this.root.dataset.open = "true";
    for (const button of this.root.querySelectorAll("[data-tab]")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    for (const pane of this.root.querySelectorAll("[data-pane]")) pane.hidden = pane.dataset.pane !== tab;
    for (const [name, button] of Object.entries(this.openers)) button.setAttribute("aria-pressed", String(name === tab));
    if (before !== tab) this.onShow(before, false);
    this.onShow(tab, true);
  }

  hide() {
    this.open = false;
    delete this.root.dataset.open;
    for (const button of Object.values(this.openers)) button.setAttribute("aria-pressed", "false");
    this.onShow(this.tab, isWide());
  }

  /** Is this tab in view (on a desktop the panel never closes)? */
  visible(tab) {
    return this.tab === tab && (this.open || isWide());
  }

  /** Offer a tab (moderators' extra tabs), or not. */
  offer(tab, shown) {
    for (const node of this.root.querySelectorAll(`[data-tab="${tab}"]`)) node.hidden = !shown;
  }
}
