// A finger (or mouse) signature on a canvas. The picture sent is always 600x200 PNG,
// black strokes on transparent, whatever the screen: small enough for one message.

export const OUTPUT = { width: 600, height: 200 };

export class SignaturePad {
  constructor(canvas, { onChange = () => {} } = {}) {
    this.canvas = canvas;
    this.onChange = onChange;
    this.strokes = []; // [[{x, y}] in 0..1 of the canvas]
    this.current = null;
    canvas.style.touchAction = "none"; // the finger draws; the page doesn't scroll
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    for (const type of ["pointerup", "pointercancel", "pointerleave"]) {
      canvas.addEventListener(type, () => this.up());
    }
    this.resize();
  }

  get isEmpty() {
    return !this.strokes.some((s) => s.length > 1);
  }

  /** Match the canvas's pixels to its size on screen (call when it becomes visible). */
  resize() {
    const ratio = globalThis.devicePixelRatio || 1;
    const { width, height } = this.canvas.getBoundingClientRect();
    if (!width || !height) return;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.redraw();
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return { x: (event.clientX - box.left) / box.width, y: (event.clientY - box.top) / box.height };
  }

  down(event) {
    event.preventDefault();
    if (!this.strokes.length) this.resize(); // it may have been hidden when made
    this.canvas.setPointerCapture?.(event.pointerId);
    this.current = [this.point(event)];
    this.strokes.push(this.current);
  }

  move(event) {
    if (!this.current) return;
    event.preventDefault();
    this.current.push(this.point(event));
    this.redraw();
  }

  up() {
    if (!this.current) return;
    this.current = null;
    this.onChange(!this.isEmpty);
  }

  clear() {
    this.strokes = [];
    this.redraw();
    this.onChange(false);
  }

  draw(ctx, width, height, lineWidth) {
    ctx.clearRect(0, 0, width, height);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#000";
    ctx.lineWidth = lineWidth;
    for (const stroke of this.strokes) {
      ctx.beginPath();
      stroke.forEach((p, i) => (i ? ctx.lineTo(p.x * width, p.y * height) : ctx.moveTo(p.x * width, p.y * height)));
      ctx.stroke();
    }
  }

  redraw() {
    const ratio = globalThis.devicePixelRatio || 1;
    this.draw(this.canvas.getContext("2d"), this.canvas.width, this.canvas.height, 3 * ratio);
  }

  /** The signature as a data:image/png URL, OUTPUT-sized. */
  toDataURL() {
    const out = document.createElement("canvas");
    out.width = OUTPUT.width;
    out.height = OUTPUT.height;
    this.draw(out.getContext("2d"), out.width, out.height, 5);
    return out.toDataURL("image/png");
  }
}
