/**
 * The playground page: starts the training worker, shows the live loss curves and test accuracy,
 * classifies what is drawn on the grid, and shows the trained network's gradient check and the tape
 * of one forward pass. `?epochs=N` sets the number of epochs (default 60).
 */
import { drawCurves, type Point } from './curve.js';
import { Grid } from './grid.js';
import type { FromWorker, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const epochs = Number(new URLSearchParams(location.search).get('epochs') ?? 60);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

const points: Point[] = [];
let samples: { pixels: number[]; label: number }[] = [];
let next = 0;
let asked = 0;

const grid = new Grid($<HTMLCanvasElement>('grid'), (pixels) => {
  if (document.body.dataset.state === 'trained') send({ type: 'predict', id: (asked = ++next), pixels: [...pixels] });
});
$('clear').onclick = () => grid.clear();
$('sample').onclick = () => samples.length > 0 && grid.load(samples[Math.floor(Math.random() * samples.length)].pixels);

/** Ten bars, one per class, with the predicted class large beside them. */
function showPrediction(probabilities: readonly number[]) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  const blank = grid.pixels.every((v) => v === 0);
  $('predicted').textContent = blank ? '–' : String(best);
  $('bars').replaceChildren(...probabilities.map((p, k) => {
    const row = document.createElement('div');
    row.className = k === best && !blank ? 'bar best' : 'bar';
    row.innerHTML = `<span>${k}</span><i style="width:${(100 * p).toFixed(1)}%"></i><b>${percent(p)}</b>`;
    return row;
  }));
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'loaded':
      $('data').textContent = `${msg.train} training and ${msg.test} test images (every fifth held out); kernels: ${msg.backend.kernels}, threads: ${msg.backend.threads}`;
      break;
    case 'epoch':
      points.push(msg);
      drawCurves($<HTMLCanvasElement>('curves'), points, msg.epochs);
      $('status').textContent = `epoch ${msg.epoch}/${msg.epochs} · training loss ${msg.loss.toFixed(4)} · test loss ${msg.valLoss.toFixed(4)} · ${msg.ms.toFixed(0)} ms`;
      $('accuracy').textContent = percent(msg.valAccuracy);
      break;
    case 'trained': {
      samples = msg.samples;
      document.body.dataset.state = 'trained';
      document.body.dataset.accuracy = String(msg.accuracy);
      $('accuracy').textContent = percent(msg.accuracy);
      $('status').textContent += ' · done: draw a digit';
      const g = msg.gradcheck;
      $('gradcheck').textContent = [
        `ok           ${g.ok}  (tape gradient vs central differences, float64, ${g.mode} Jacobian)`,
        `parameters   all ${g.parameters}, loss on ${g.examples} test images`,
        `maxAbsError  ${g.maxAbsError.toExponential(2)}  (largest |tape − numerical| over all parameters)`,
        `maxRelError  ${g.maxRelError.toExponential(2)}  (largest |tape − numerical| / |numerical|, often at gradients near 0)`,
        `time         ${g.seconds.toFixed(2)} s`,
      ].join('\n');
      $('tape').replaceChildren(...msg.tape.map((r) => {
        const tr = document.createElement('tr');
        tr.innerHTML = `<td>#${r.id}</td><td>${r.op}</td><td>${r.inputs.join(', ')}</td><td>${r.output}</td>`;
        return tr;
      }));
      grid.load(grid.pixels); // classify whatever is already drawn
      break;
    }
    case 'prediction':
      if (msg.id === asked) showPrediction(msg.probabilities);
      break;
    case 'error':
      $('status').textContent = `error: ${msg.message}`;
      document.body.dataset.state = 'error';
      break;
  }
};

document.body.dataset.state = 'training';
showPrediction(new Array<number>(10).fill(0));
send({ type: 'train', epochs });
