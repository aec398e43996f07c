/** The messages between the page (main.ts) and the training worker (worker.ts). */

export type ToWorker =
  | { type: 'train'; epochs: number }
  /** The 64 pixels of a drawn digit, row by row, each 0..16 as in the data. */
  | { type: 'predict'; id: number; pixels: number[] };

export interface TapeRow {
  id: number;
  op: string;
  inputs: string[];
  output: string;
}

export interface GradcheckSummary {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  mode: 'full' | 'fast';
  parameters: number;
  examples: number;
  seconds: number;
}

export type FromWorker =
  | { type: 'loaded'; train: number; test: number; backend: { kernels: string; threads: number } }
  | { type: 'epoch'; epoch: number; epochs: number; loss: number; valLoss: number; valAccuracy: number; ms: number }
  | {
      type: 'trained';
      accuracy: number;
      gradcheck: GradcheckSummary;
      tape: TapeRow[];
      /** A few test images (pixels 0..16) with their labels, to try the classifier on. */
      samples: { pixels: number[]; label: number }[];
    }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'error'; message: string };
