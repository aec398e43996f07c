import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  date: string;
  /** The 1-minute load average when the run started and when it ended: above the core count, other
   * processes were competing for the CPU and every figure is low. */
  load: number[];
}

/** The machine a run measured: CPU model and logical cores as Node sees them, memory, OS, Node. */
export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    load: [os.loadavg()[0]],
  };
}
