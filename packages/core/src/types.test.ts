/**
 * The published types: a consumer file compiled under `strict` against the built `dist/index.d.ts`
 * fails if any transform's result is `any` or not the type it should be, and the declarations
 * contain no `any` at all.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const DTS = join(PKG, 'dist', 'index.d.ts');

const CONSUMER = `
import { List, OrderedMap } from 'immutable';
import { grad, valueAndGrad, vjp, jvp, jacobian, hessian, tensor, Tensor } from '@tapegrad/core';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function check<T extends true>(): void {}

const x = tensor([1, 2], { dtype: 'float64' });
const f = (a: Tensor, b: Tensor) => a.mul(b).sum();
const params = { W: x, layers: [x, x], m: OrderedMap<string, Tensor>([['z', x]]), l: List([x]) };
const loss = (p: typeof params, k: number) => p.W.mul(k).sum();

const g0 = grad(f)(x, x);
const g1 = grad(f, 1)(x, x);
const g01 = grad(f, [0, 1])(x, x);
const gp = grad(loss)(params, 2);
const [ga, aux] = grad((a: Tensor) => [a.sum(), { n: 3 }] as const, 0, { hasAux: true })(x);
const [v, vg] = valueAndGrad(f, [1])(x, x);
const [[v2, aux2], vg2] = valueAndGrad((a: Tensor) => [a.sum(), 'label'] as const, 0, { hasAux: true })(x);
const [y, back] = vjp((a: Tensor, b: Tensor) => a.mul(b), x, x);
const cts = back(y);
const [yo, dy] = jvp((a: Tensor) => a.exp(), [x], [x]);
const J = jacobian((a: Tensor) => a.exp())(x);
const Js = jacobian((a: Tensor, b: Tensor) => [a.mul(b), a] as [Tensor, Tensor], [0, 1])(x, x);
const H = hessian((a: Tensor) => a.pow(3).sum())(x);
const Hs = hessian(f, [0, 1])(x, x);

check<Equal<IsAny<typeof g0>, false>>(); check<Equal<typeof g0, Tensor>>();
check<Equal<IsAny<typeof g1>, false>>(); check<Equal<typeof g1, Tensor>>();
check<Equal<IsAny<typeof g01>, false>>(); check<Equal<typeof g01, [Tensor, Tensor]>>();
check<Equal<IsAny<typeof gp>, false>>(); check<Equal<typeof gp, typeof params>>();
check<Equal<IsAny<typeof ga>, false>>(); check<Equal<typeof ga, Tensor>>();
check<Equal<IsAny<typeof aux>, false>>(); check<Equal<typeof aux, { readonly n: 3 }>>();
check<Equal<IsAny<typeof v>, false>>(); check<Equal<typeof v, Tensor>>();
check<Equal<IsAny<typeof vg>, false>>(); check<Equal<typeof vg, [Tensor]>>();
check<Equal<IsAny<typeof v2>, false>>(); check<Equal<typeof aux2, 'label'>>(); check<Equal<typeof vg2, Tensor>>();
check<Equal<IsAny<typeof y>, false>>(); check<Equal<typeof y, Tensor>>();
check<Equal<IsAny<typeof cts>, false>>(); check<Equal<typeof cts, [Tensor, Tensor]>>();
check<Equal<IsAny<typeof yo>, false>>(); check<Equal<typeof dy, Tensor>>();
check<Equal<IsAny<typeof J>, false>>(); check<Equal<typeof J, Tensor>>();
check<Equal<IsAny<typeof Js>, false>>(); check<Equal<typeof Js, [[Tensor, Tensor], [Tensor, Tensor]]>>();
check<Equal<IsAny<typeof H>, false>>(); check<Equal<typeof H, Tensor>>();
check<Equal<IsAny<typeof Hs>, false>>(); check<Equal<typeof Hs, [[Tensor, Tensor], [Tensor, Tensor]]>>();
// @ts-expect-error a wrong argument type is refused
grad(f)(x, 'x');
`;

describe('the published .d.ts', () => {
  let dir = '';
  beforeAll(() => {
    if (!existsSync(DTS)) execFileSync('npx', ['tsup'], { cwd: PKG, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'tapegrad-types-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('types every transform result (none is any) for a strict consumer', () => {
    const file = join(dir, 'consumer.ts');
    writeFileSync(file, CONSUMER);
    const program = ts.createProgram([file], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, types: [],
      paths: { '@tapegrad/core': [DTS], immutable: [join(PKG, 'node_modules', 'immutable', 'dist', 'immutable.d.ts')] },
    });
    const messages = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
    expect(messages).toEqual([]);
  });

  it('declares no `any` outside comments', () => {
    const code = readFileSync(DTS, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    expect(code.split('\n').filter((l) => /\bany\b/.test(l))).toEqual([]);
  });
});
