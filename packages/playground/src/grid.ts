/**
 * The 8×8 drawing grid: a canvas of 64 cells holding the data's pixel values 0..16. A stroke paints a
 * cell 16 and lifts its four neighbours to at least 6, which resembles the data's thick, soft strokes.
 */
export const SIDE = 8;

export class Grid {
  readonly pixels = new Array<number>(SIDE * SIDE).fill(0);
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly changed: (pixels: number[]) => void) {
    this.ctx = canvas.getContext('2d')!;
    let down = false;
    const paint = (e: PointerEvent) => {
      const box = canvas.getBoundingClientRect();
      const c = Math.floor(((e.clientX - box.left) / box.width) * SIDE);
      const r = Math.floor(((e.clientY - box.top) / box.height) * SIDE);
      if (r < 0 || r >= SIDE || c < 0 || c >= SIDE) return;
      this.set(r, c, 16);
      for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
        const [rr, cc] = [r + dr, c + dc];
        if (rr >= 0 && rr < SIDE && cc >= 0 && cc < SIDE) this.set(rr, cc, Math.max(this.pixels[rr * SIDE + cc], 6));
      }
      this.draw();
      this.changed(this.pixels);
    };
    canvas.addEventListener('pointerdown', (e) => {
      down = true;
      canvas.setPointerCapture(e.pointerId);
      paint(e);
    });
    canvas.addEventListener('pointermove', (e) => down && paint(e));
    canvas.addEventListener('pointerup', () => (down = false));
    this.draw();
  }

  private set(r: number, c: number, v: number) {
    this.pixels[r * SIDE + c] = v;
  }

  /** Replaces every pixel (values 0..16). */
  load(pixels: readonly number[]) {
    pixels.forEach((v, i) => (this.pixels[i] = v));
    this.draw();
    this.changed(this.pixels);
  }

  clear() {
    this.load(new Array<number>(SIDE * SIDE).fill(0));
  }

  private draw() {
    const { ctx, canvas } = this;
    const cell = canvas.width / SIDE;
    for (let i = 0; i < SIDE * SIDE; i++) {
      const shade = Math.round(255 * (1 - this.pixels[i] / 16));
      ctx.fillStyle = `rgb(${shade}, ${shade}, ${shade})`;
      ctx.fillRect((i % SIDE) * cell, Math.floor(i / SIDE) * cell, cell, cell);
    }
    ctx.strokeStyle = '#ccd';
    for (let k = 0; k <= SIDE; k++) {
      ctx.beginPath();
      ctx.moveTo(k * cell, 0);
      ctx.lineTo(k * cell, canvas.height);
      ctx.moveTo(0, k * cell);
      ctx.lineTo(canvas.width, k * cell);
      ctx.stroke();
    }
  }
}
