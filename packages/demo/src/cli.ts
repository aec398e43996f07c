#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDemo, type DemoStream } from './demo.js';
import { HELP, UsageError, parseOptions } from './options.js';

/**
 * The command line of `pnpm demo`: parses the options, runs the demo, and maps what happened to an exit
 * code: 0 done, 1 an error while running or a failed gradcheck (its message is printed), 2 a bad option (with a
 * pointer to --help).
 */
export function main(argv: readonly string[], out: DemoStream = process.stdout, err: DemoStream = process.stderr): number {
  let options;
  try {
    options = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`tapegrad demo: ${e.message}\nRun with --help to see the options.\n`);
    return 2;
  }
  if (options === 'help') {
    out.write(HELP);
    return 0;
  }
  // `pnpm demo` runs scripts in the workspace root; INIT_CWD is where the user typed it, which is what
  // the default ./tapegrad-demo-loss.svg and a relative --out mean.
  options.out = resolve(process.env.INIT_CWD ?? process.cwd(), options.out);
  try {
    const failed = runDemo(options, out).gradchecks.filter((c) => !c.report.ok);
    if (failed.length === 0) return 0;
    err.write(`tapegrad demo: gradcheck failed for the ${failed.map((c) => c.task.title).join(' and ')} network\n`);
    return 1;
  } catch (e) {
    err.write(`tapegrad demo: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
    return 1;
  }
}

/** True when this file is the script Node was started with (not when a test imports it). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `pnpm demo | head` closes the pipe early: stop quietly instead of dying on an unhandled EPIPE
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
  process.exitCode = main(process.argv.slice(2));
}
