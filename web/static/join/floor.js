// Asking for the floor: a party raises a hand (data-testid raise-hand); the mediator
// allows them to speak (allow-speak, in the participant list). If the party had asked,
// their microphone comes back on by itself; if the mediator asks first, the party is
// asked to turn it on ("调解员请您发言").

export class Floor {
  constructor({ button, prompt, promptButton, t, request, unmute }) {
    this.button = button;
    this.prompt = prompt;
    this.t = t;
    this.request = request;
    this.unmute = unmute;
    this.raised = false;
    button.addEventListener("click", () => this.toggle());
    promptButton.addEventListener("click", async () => {
      this.prompt.hidden = true;
      await this.unmute();
    });
  }

  set(raised) {
    this.raised = raised;
    this.button.classList.toggle("on", raised);
    this.button.setAttribute("aria-pressed", String(raised));
    this.button.querySelector(".label").textContent = this.t(raised ? "hand_lower" : "hand_raise");
  }

  async toggle() {
    const want = !this.raised;
    this.set(want);
    const ack = await this.request("raise-hand", { raised: want });
    if (!ack.ok) this.set(!want);
  }

  /** The mediator gave us the floor. */
  async allowed({ asked }) {
    this.set(false);
    if (asked) {
      this.prompt.hidden = true;
      await this.unmute();
    } else {
      this.prompt.hidden = false;
    }
  }
}
