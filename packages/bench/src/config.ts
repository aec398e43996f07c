import { CHAIN_OPS, MLP_SIZES } from './data.js';
import { LIBS, WORKLOADS, type LibId, type RunConfig, type WorkloadId } from './protocol.js';

export interface Options {
  config: Omit<RunConfig, 'lib'>;
  libs: LibId[];
  smoke: boolean;
  writeDocs: boolean;
  /** Where the JSON goes (null: nowhere). */
  json: string | null;
  /** Seconds a child may run before it is stopped. */
  timeout: number;
  /** How many times every library is run, in turn; each figure is the best of its rounds' medians. */
  rounds: number;
}

/** The full workloads, as issues 4 (W1–W4), 10 (W5), 11 (W6) and 13 (mem) define them. */
export const FULL: Omit<RunConfig, 'lib'> = {
  workloads: [...WORKLOADS],
  reps: 10,
  warmup: 2,
  minRepMs: 20,
  caseBudget: 90,
  matmulSizes: [128, 256, 512, 1024],
  mlp: { sizes: [...MLP_SIZES], m: 128 },
  chainOps: CHAIN_OPS,
  digitsEpochs: 100,
  digitsReps: 3,
  digitsBudget: 60,
  conv: { batch: 64, cin: 16, cout: 32, size: 16, kernel: 3, padding: 1 },
  linalg: { sizes: [64, 256, 512], rhs: 16, bilinear: { batch: 256, n: 256 } },
  memSteps: 10_000,
  memBudget: 240,
  threads: [1, 2],
};

/** Tiny sizes and one repetition: checks the whole path works, in seconds (CI). */
export const SMOKE: Omit<RunConfig, 'lib'> = {
  workloads: [...WORKLOADS],
  reps: 1,
  warmup: 1,
  minRepMs: 0,
  caseBudget: 60,
  matmulSizes: [16, 33],
  mlp: { sizes: [12, 8, 6, 4], m: 5 },
  chainOps: 30,
  digitsEpochs: 1,
  digitsReps: 1,
  digitsBudget: 120,
  conv: { batch: 2, cin: 3, cout: 4, size: 6, kernel: 3, padding: 1 },
  linalg: { sizes: [5, 12], rhs: 3, bilinear: { batch: 4, n: 6 } },
  memSteps: 50,
  memBudget: 60,
  threads: [1, 2],
};

const USAGE = `usage: pnpm bench [--reps N] [--warmup N] [--only ${LIBS.join(',')}] [--workloads ${WORKLOADS.join(',')}]
                  [--sizes 128,256] [--mem-steps N] [--w4-reps N] [--epochs N] [--case-budget S] [--rounds N] [--smoke] [--write-docs] [--json PATH | --no-json] [--timeout SECONDS]`;

const list = <T extends string>(flag: string, value: string, allowed: readonly T[]): T[] => {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const it of items) if (!allowed.includes(it as T)) throw new Error(`${flag}: unknown '${it}' (one of ${allowed.join(', ')})\n${USAGE}`);
  return items as T[];
};

const positiveInt = (flag: string, value: string | undefined): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got '${value}'\n${USAGE}`);
  return n;
};

export function parseArgs(argv: readonly string[], defaultJson: string): Options {
  const smoke = argv.includes('--smoke');
  const config = structuredClone(smoke ? SMOKE : FULL);
  const opts: Options = { config, libs: [...LIBS], smoke, writeDocs: false, json: smoke ? null : defaultJson, timeout: 1800, rounds: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value\n${USAGE}`);
      return argv[++i];
    };
    switch (arg) {
      case '--smoke': break;
      case '--': break; // what pnpm passes through before the script's arguments
      case '--reps': config.reps = positiveInt(arg, value()); break;
      case '--warmup': config.warmup = positiveInt(arg, value()); break;
      case '--only': opts.libs = list(arg, value(), LIBS); break;
      case '--workloads': config.workloads = list<WorkloadId>(arg, value(), WORKLOADS); break;
      case '--case-budget': config.caseBudget = positiveInt(arg, value()); break;
      case '--w4-reps': config.digitsReps = positiveInt(arg, value()); break;
      case '--mem-steps': config.memSteps = positiveInt(arg, value()); break;
      case '--epochs': config.digitsEpochs = positiveInt(arg, value()); break;
      case '--sizes': config.matmulSizes = value().split(',').map((s) => positiveInt(arg, s)); break;
      case '--write-docs': opts.writeDocs = true; break;
      case '--json': opts.json = value(); break;
      case '--no-json': opts.json = null; break;
      case '--rounds': opts.rounds = positiveInt(arg, value()); break;
      case '--timeout': opts.timeout = positiveInt(arg, value()); break;
      case '--help': case '-h': throw new Error(USAGE);
      default: throw new Error(`unknown argument '${arg}'\n${USAGE}`);
    }
  }
  return opts;
}
