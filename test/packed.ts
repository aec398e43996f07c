/**
 * The published packages as a user gets them: `pnpm pack` of core, nn and datasets, installed with
 * plain npm into a fresh project in a temp dir. Offline: immutable (core's and nn's one dependency) is
 * packed from the workspace's own copy, so npm needs no registry. Shared by packed.test.ts and the
 * browser tests.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PUBLISHED = ['core', 'nn', 'datasets'] as const;

export interface PackedProject {
  /** The consumer project: package.json and node_modules/@tapegrad/{core,nn,datasets}. */
  dir: string;
  /** The tarballs, by package folder name (and 'immutable'). */
  tarballs: Record<string, string>;
}

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Packs the built packages (run `pnpm build` first) and npm-installs them into a new project. */
export function packedProject(): PackedProject {
  for (const p of PUBLISHED) {
    if (!existsSync(join(root, 'packages', p, 'dist/index.js'))) {
      throw new Error(`packages/${p}/dist is missing: run \`pnpm build\` before the packed-package tests`);
    }
  }
  const dir = mkdtempSync(join(realpathSync(tmpdir()), 'tapegrad-packed-'));
  const packs = join(dir, 'packs');
  mkdirSync(packs);
  const tarballs: Record<string, string> = {};
  const pnpm = process.env.npm_execpath && /pnpm/.test(process.env.npm_execpath) ? [process.execPath, process.env.npm_execpath] : ['pnpm'];
  for (const p of PUBLISHED) {
    const before = new Set(readdirSync(packs));
    run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', packs], join(root, 'packages', p));
    tarballs[p] = join(packs, readdirSync(packs).find((f) => !before.has(f))!);
  }
  // The workspace's immutable, resolved as core resolves it, packed by npm from its folder.
  const immutable = dirname(createRequire(join(root, 'packages/core/package.json')).resolve('immutable/package.json'));
  tarballs.immutable = join(packs, run('npm', ['pack', immutable, '--pack-destination', packs, '--silent'], dir).trim().split('\n').pop()!);

  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', ...Object.values(tarballs)], dir);
  return { dir, tarballs };
}
