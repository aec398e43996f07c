/** The live loss curves: training and test loss per epoch on a canvas, redrawn as epochs arrive. */
export interface Point {
  epoch: number;
  loss: number;
  valLoss: number;
}

const COLORS = { loss: '#2563eb', valLoss: '#ea580c' } as const;

export function drawCurves(canvas: HTMLCanvasElement, points: readonly Point[], epochs: number) {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  const pad = { left: 44, right: 12, top: 12, bottom: 28 };
  ctx.clearRect(0, 0, w, h);
  const top = Math.max(0.1, ...points.flatMap((p) => [p.loss, p.valLoss]));
  const X = (epoch: number) => pad.left + ((epoch - 1) / Math.max(1, epochs - 1)) * (w - pad.left - pad.right);
  const Y = (loss: number) => pad.top + (1 - loss / top) * (h - pad.top - pad.bottom);
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  ctx.strokeStyle = '#ddd';
  for (const f of [0, 0.5, 1]) {
    ctx.beginPath();
    ctx.moveTo(pad.left, Y(f * top));
    ctx.lineTo(w - pad.right, Y(f * top));
    ctx.stroke();
    ctx.fillText((f * top).toFixed(2), 4, Y(f * top) + 4);
  }
  ctx.fillText('epoch 1', pad.left, h - 8);
  ctx.fillText(String(epochs), w - pad.right - 20, h - 8);
  for (const key of ['loss', 'valLoss'] as const) {
    ctx.strokeStyle = COLORS[key];
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((p, i) => (i === 0 ? ctx.moveTo(X(p.epoch), Y(p[key])) : ctx.lineTo(X(p.epoch), Y(p[key]))));
    ctx.stroke();
  }
  ctx.lineWidth = 1;
  ctx.fillStyle = COLORS.loss;
  ctx.fillText('■ training loss', w - 230, pad.top + 12);
  ctx.fillStyle = COLORS.valLoss;
  ctx.fillText('■ test loss', w - 120, pad.top + 12);
}
