// The command center talking into the room (barge-in): everyone sees 指挥中心正在讲话
// while one of its microphones is live in the room.

export class CommandNotice {
  constructor(element) {
    this.element = element;
    this.live = new Set(); // producer ids of the command center's live microphones
  }

  /** After a (re)join: the microphones live right now ([{producerId}]). */
  reset(speaking) {
    this.live = new Set(speaking.map((e) => e.producerId));
    this.show();
  }

  /** A command-speaking event: {producerId, active}. */
  update(event) {
    if (event.active) this.live.add(event.producerId);
    else this.live.delete(event.producerId);
    this.show();
  }

  show() {
    this.element.hidden = this.live.size === 0;
  }
}
