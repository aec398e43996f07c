/**
 * Values, gradients and second-order products (Hessian·V) compared with PyTorch 1.13.0a0 (torch.linalg,
 * float64, CPU/OpenBLAS), computed once by hand with the system python3 and pasted below; PyTorch is
 * not a test dependency. The script that printed REF:
 *
 * import torch, json
 * torch.set_default_dtype(torch.float64)
 * t = lambda v: torch.tensor(v, requires_grad=True)
 * A = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]]          # SPD
 * G = [[2, -1, 0.5], [0.3, -1.5, 1], [1, 0.4, 3]]         # general, det < 0
 * B = [[1, 2], [0, -1], [0.5, 0.3]]
 * W = [[0.3, -0.2], [0.7, 0.1], [-0.4, 0.5]]              # weights of the outputs (a fixed cotangent)
 * V = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9]]  # direction of the second-order product
 * out = {}
 * def first(name, f, *xs):
 *     xs = [t(x) for x in xs]
 *     y = f(*xs)
 *     gs = torch.autograd.grad(y, xs, create_graph=True)
 *     hv = torch.autograd.grad(sum((g * torch.tensor(V)[: g.shape[0], : g.shape[1]]).sum() for g in gs), xs)
 *     out[name] = {'value': y.item(), 'grads': [g.tolist() for g in gs], 'hvp': [h.tolist() for h in hv]}
 * first('cholesky', lambda a: (torch.linalg.cholesky(a) * torch.tensor(V)).sum(), A)
 * first('solve', lambda g, b: (torch.linalg.solve(g, b) * torch.tensor(W)).sum(), G, B)
 * first('triangularSolve', lambda g, b: (torch.linalg.solve_triangular(g, b, upper=False) * torch.tensor(W)).sum(), G, B)
 * first('triangularSolveUpperT', lambda g, b: (torch.linalg.solve_triangular(g.mT, b, upper=False, unitriangular=True) * torch.tensor(W)).sum(), G, B)
 * first('inv', lambda g: (torch.linalg.inv(g) * torch.tensor(V)).sum(), G)
 * first('det', lambda g: torch.linalg.det(g), G)
 * first('slogdet', lambda g: torch.linalg.slogdet(g)[1], G)
 * first('choleskyLogdet', lambda a: torch.log(torch.diagonal(torch.linalg.cholesky(a))).sum(), A)
 * out['values'] = {
 *   'cholesky': torch.linalg.cholesky(torch.tensor(A)).tolist(),
 *   'solve': torch.linalg.solve(torch.tensor(G), torch.tensor(B)).tolist(),
 *   'inv': torch.linalg.inv(torch.tensor(G)).tolist(),
 *   'det': torch.linalg.det(torch.tensor(G)).item(),
 *   'slogdet': [x.item() for x in torch.linalg.slogdet(torch.tensor(G))],
 * }
 * Gp = [[0.3, -1.5, 1], [1, 0.4, 3], [2, -1, 0.5]]       # G with its rows rotated: LU must pivot
 * first('lu', lambda g: sum((x * torch.tensor(V)).sum() for x in torch.linalg.lu(g)[1:]), Gp)
 * P, L, U = torch.linalg.lu(torch.tensor(Gp))
 * out['luValues'] = {'P': P.tolist(), 'L': L.tolist(), 'U': U.tolist()}
 * S = [[2, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, -1]]    # symmetric, distinct eigenvalues
 * # eigh of the symmetric part, as tapegrad computes it; eigenvectors squared, as their sign is free
 * eighLoss = lambda a: (lambda w, Q: (w * torch.tensor([0.3, -0.7, 1.1])).sum() + (Q * Q * torch.tensor(V)).sum())(*torch.linalg.eigh((a + a.mT) / 2))
 * first('eigh', eighLoss, S)
 * out['eighValues'] = torch.linalg.eigvalsh(torch.tensor(S)).tolist()
 * first('qr', lambda b: (lambda Q, R: (Q * torch.tensor(W)).sum() + (R * torch.tensor(V)[:2, :2]).sum())(*torch.linalg.qr(b)), B0 := [[3.0, 1.0], [4.0, 2.0], [1.0, 5.0]])
 * out['qrValues'] = [x.tolist() for x in torch.linalg.qr(torch.tensor(B0))]
 * print(torch.__version__)
 * print(json.dumps(out))
 */
import { describe, expect, it } from 'vitest';
import { cholesky, det, diagonal, eigh, grad, inv, lu, qr, slogdet, solve, tensor, triangularSolve, type NestedArray, type Tensor } from '@tapegrad/core';

const REF = {
  cholesky: {"value": -1.4700603691877199, "grads": [[[-0.021150565842829098, 0.10813983285923995, 0.15292486102415281], [0.10813983285923995, -0.15757469195341578, 0.25003072103291213], [0.15292486102415281, 0.2500307210329122, -0.32346033025904686]]], "hvp": [[[-0.01345772998310648, 0.004263756518715899, -0.020189404129219234], [0.004263756518715901, -0.07807652948681244, 0.10494756701093429], [-0.020189404129219234, 0.10494756701093429, -0.08209917370907381]]]},
  solve: {"value": -0.21468646864686475, "grads": [[[0.16028203480414052, 0.10709915876076058, -0.08545567428029932], [0.17964832786909046, -0.014936807212074363, 0.032611181910270244], [-0.2526213842506363, -0.10812211584194724, 0.0769695781459334]], [[0.22530253025302527, -0.19801980198019803], [-0.6083608360836082, 0.10891089108910892], [0.031903190319031896, 0.16336633663366337]]], "hvp": [[[0.11615738823026354, 0.08215960126367322, -0.13804923099243882], [-0.2901671952568513, -0.13993972747018912, 0.15124550261777148], [-0.0311507752560847, -0.009038963255066673, 0.06087708385255412]], [[0.02889975686237494, -0.07802067335446415], [0.24823250201807853, 0.07519959916783757], [0.06621258385464505, -0.0046373449226110725]]]},
  triangularSolve: {"value": -0.06244444444444444, "grads": [[[0.03400000000000003, 0.0, 0.0], [0.2733333333333333, 0.06948148148148148, 0.0], [-0.09999999999999999, -0.13111111111111112, 0.05637037037037036]], [[0.292, -0.18000000000000002], [-0.5022222222222221, -0.022222222222222227], [-0.13333333333333333, 0.16666666666666666]]], "hvp": [[[0.018199999999999987, 0.0, 0.0], [-0.13877777777777778, -0.17763209876543207, 0.0], [-0.034999999999999996, -0.1144074074074074, 0.09046172839506171]], [[0.13966666666666666, -0.08633333333333332], [0.08562962962962961, 0.10962962962962963], [-0.039999999999999994, 0.049999999999999996]]]},
  triangularSolveUpperT: {"value": 0.2499999999999999, "grads": [[[0.0, -0.30000000000000004, -0.6], [0.0, 0.0, -0.09999999999999998], [0.0, 0.0, 0.0]], [[1.6, -0.8500000000000001], [1.1, -0.4], [-0.4, 0.5]]], "hvp": [[[0.0, 0.32999999999999996, -0.06], [0.0, 0.0, 0.47], [0.0, 0.0, 0.0]], [[-0.10000000000000003, -0.06999999999999998], [0.24, -0.3], [0.0, 0.0]]]},
  inv: {"value": 0.1618261826182618, "grads": [[[0.030478735442301116, -0.016921604151614266, -0.00526310056748249], [0.22418523480510866, 0.3234371842024686, 0.027361151956779836], [-0.10346056607861008, 0.11998036987417114, 0.06964458822119834]]], "hvp": [[[0.031062357555827074, -0.09056785114199767, -0.04637416650421265], [-0.223200131072541, -0.09773455219271891, -0.03660340372065068], [-0.04303289495504271, -0.047003077312648474, 0.025432455127790115]]]},
  det: {"value": -9.09, "grads": [[[-4.9, 0.09999999999999998, 1.6199999999999997], [3.2, 5.5, -1.7999999999999996], [-0.25000000000000006, -1.8499999999999999, -2.6999999999999997]]], "hvp": [[[-1.19, 0.3699999999999999, 1.9499999999999997], [-1.2200000000000002, -1.5499999999999998, -2.1399999999999997], [-0.5999999999999999, -1.1899999999999997, -0.8099999999999999]]]},
  slogdet: {"value": 2.2071749081893874, "grads": [[[0.5390539053905391, -0.011001100110011014, -0.1782178217821782], [-0.352035203520352, -0.605060506050605, 0.19801980198019803], [0.027502750275027507, 0.20352035203520352, 0.297029702970297]]], "hvp": [[[-0.031040287747146556, -0.03739889940589218, -0.1609776819266085], [0.23997889337888684, 0.35230145676833907, 0.17593046433356205], [0.05774367315719469, 0.06976742778788328, -0.0001307061399209178]]]},
  choleskyLogdet: {"value": 1.5291187394526942, "grads": [[[0.13997181775481446, -0.04462188821042743, -0.030530765617660865], [-0.04462188821042743, 0.18201033348990137, -0.007045561296383279], [-0.03053076561766087, -0.0070455612963832796, 0.2583372475340535]]], "hvp": [[[0.006849693147990322, -0.01577667412883571, -0.012253121303893243], [-0.01577667412883571, 0.045903977394194696, -0.06305815969100574], [-0.012253121303893246, -0.06305815969100574, 0.1311398807008982]]]},
  values: {"cholesky": [[2.0, 0.0, 0.0], [0.5, 1.6583123951777, 0.0], [0.25, 0.04522670168666455, 1.391206147720224]], "solve": [[0.5528052805280528, 1.4383938393839384], [0.09075907590759076, 0.6441144114411441], [-0.029702970297029695, -0.4653465346534653]], "inv": [[0.5390539053905391, -0.352035203520352, 0.027502750275027507], [-0.011001100110011014, -0.605060506050605, 0.20352035203520352], [-0.1782178217821782, 0.198019801980198, 0.297029702970297]], "det": -9.09, "slogdet": [-1.0, 2.2071749081893874]},
  lu: {"value": -3.3733333333333335, "grads": [[[-0.45308641975308633, -1.3061728395061727, 0.0], [-0.029629629629629672, -1.2092592592592593, -0.9], [0.18277777777777776, 1.0005555555555554, 0.15000000000000002]]], "hvp": [[[0.9258253315043435, 0.7639963420210332, 0.5488888888888889], [0.1089471879286694, 0.039746227709190646, 0.0], [-0.1937393689986282, -0.10750651577503419, -0.059833333333333294]]]},
  luValues: {"P": [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], "L": [[1.0, 0.0, 0.0], [0.15, 1.0, 0.0], [0.5, -0.6666666666666666, 1.0]], "U": [[2.0, -1.0, 0.5], [0.0, -1.35, 0.925], [0.0, 0.0, 3.3666666666666667]]},
  eigh: {"value": 1.664093859980725, "grads": [[[0.5920487222470504, 0.9017043249795147, 0.07073541025598926], [0.9017043249795147, -0.17907090813287066, -0.10565118616687079], [0.07073541025598926, -0.10565118616687079, 0.28702218588582007]]], "hvp": [[[0.09090178259852291, -0.12813041645078366, 0.14375911236975897], [-0.12813041645078366, -0.08615999085510578, -0.019572216834429657], [0.14375911236975897, -0.019572216834429657, -0.004741791743417127]]]},
  eighValues: [-1.0607352505823682, 0.8408784697951729, 2.219856780787195],
  qr: {"value": -3.513552729882855, "grads": [[[-0.04679039696864354, -0.054035680567624485], [-0.14315474773504386, -0.08168314388384768], [0.2030882304868276, -0.5309642854802928]]], "hvp": [[[0.0014298370455747107, -0.018953529654213572], [-0.030833399651379708, 0.09452098074186158], [-0.012166930217030523, -0.01345189883015483]]]},
  qrValues: [[[-0.5883484054145522, -0.18848220913160743], [-0.7844645405527361, -0.10280847770814927], [-0.19611613513818402, 0.9766805382274195]], [[-5.099019513592785, -3.1378581622109447], [0.0, 4.489303526589192]]],
};

const f64 = (v: NestedArray) => tensor(v, { dtype: 'float64' });
const A = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]];
const G = [[2, -1, 0.5], [0.3, -1.5, 1], [1, 0.4, 3]];
const Gp = [[0.3, -1.5, 1], [1, 0.4, 3], [2, -1, 0.5]];
const S = [[2, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, -1]];
const B0 = [[3, 1], [4, 2], [1, 5]];
const B = [[1, 2], [0, -1], [0.5, 0.3]];
const W = f64([[0.3, -0.2], [0.7, 0.1], [-0.4, 0.5]]);
const V = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9]];
/** V's top-left block of g's shape, as torch's `V[: g.shape[0], : g.shape[1]]`. */
const Vlike = (g: Tensor) => f64(V.slice(0, g.shape[0]).map((r) => r.slice(0, g.shape[1])));

function expectClose(t: Tensor | number, expected: NestedArray, tol: number): void {
  const flat = (v: NestedArray): number[] => (typeof v === 'number' ? [v] : v.flatMap(flat));
  const got = typeof t === 'number' ? [t] : Array.from(t.data), want = flat(expected);
  expect(got.length).toBe(want.length);
  got.forEach((x, i) => expect(Math.abs(x - want[i]), `element ${i}: ${x} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]))));
}

type Scalar = (...xs: Tensor[]) => Tensor;
/** The value, the gradient and the Hessian-vector product Σ_i ∂(g_i · V)/∂x, as the script computes them. */
function compare(name: keyof typeof REF, f: Scalar, inputs: NestedArray[]): void {
  const ref = REF[name] as { value: number; grads: NestedArray[]; hvp: NestedArray[] };
  const xs = inputs.map(f64);
  const argnums = xs.map((_, i) => i);
  const grads = (...ys: Tensor[]) => grad(f, argnums)(...ys) as Tensor[];
  const hvp = grad((...ys: Tensor[]) => grads(...ys).map((g) => g.mul(Vlike(g)).sum()).reduce((a, b) => a.add(b)), argnums)(...xs) as Tensor[];
  expectClose(f(...xs).item(), ref.value, 1e-13);
  grads(...xs).forEach((g, i) => expectClose(g, ref.grads[i], 1e-13));
  hvp.forEach((h, i) => expectClose(h, ref.hvp[i], 1e-12));
}

describe('agrees with PyTorch 1.13 torch.linalg in float64', () => {
  it('values', () => {
    expectClose(cholesky(f64(A)), REF.values.cholesky, 1e-15);
    expectClose(solve(f64(G), f64(B)), REF.values.solve, 1e-15);
    expectClose(inv(f64(G)), REF.values.inv, 1e-15);
    expectClose(det(f64(G)).item(), REF.values.det, 1e-15);
    const { sign, logabsdet } = slogdet(f64(G));
    expectClose(sign.item(), REF.values.slogdet[0], 0);
    expectClose(logabsdet.item(), REF.values.slogdet[1], 1e-15);
    const { P, L, U } = lu(f64(Gp));
    expectClose(P, REF.luValues.P, 0);
    expectClose(L, REF.luValues.L, 1e-15);
    expectClose(U, REF.luValues.U, 1e-15);
    expectClose(eigh(f64(S)).values, REF.eighValues, 1e-15);
    const { Q, R } = qr(f64(B0));
    expectClose(Q, REF.qrValues[0], 1e-15);
    expectClose(R, REF.qrValues[1], 1e-15);
  });
  it('cholesky', () => compare('cholesky', (a) => cholesky(a).mul(f64(V)).sum(), [A]));
  it('solve', () => compare('solve', (g, b) => solve(g, b).mul(W).sum(), [G, B]));
  it('triangularSolve', () => compare('triangularSolve', (g, b) => triangularSolve(g, b, { lower: true }).mul(W).sum(), [G, B]));
  it('triangularSolve, transposed upper with a unit diagonal', () =>
    compare('triangularSolveUpperT', (g, b) => triangularSolve(g, b, { lower: false, transpose: true, unitDiagonal: true }).mul(W).sum(), [G, B]));
  it('inv', () => compare('inv', (g) => inv(g).mul(f64(V)).sum(), [G]));
  it('det', () => compare('det', (g) => det(g), [G]));
  it('slogdet', () => compare('slogdet', (g) => slogdet(g).logabsdet, [G]));
  it('lu (with pivoting)', () => compare('lu', (g) => { const { L, U } = lu(g); return L.mul(f64(V)).sum().add(U.mul(f64(V)).sum()); }, [Gp]));
  it('eigh (a loss of the eigenvalues and of the squared eigenvectors)', () =>
    compare('eigh', (a) => {
      const { values, vectors } = eigh(a);
      return values.mul(f64([0.3, -0.7, 1.1])).sum().add(vectors.square().mul(f64(V)).sum());
    }, [S]));
  it('qr (reduced, tall, LAPACK signs)', () =>
    compare('qr', (b) => {
      const { Q, R } = qr(b);
      return Q.mul(W).sum().add(R.mul(Vlike(R)).sum());
    }, [B0]));
  it('log det through cholesky', () => compare('choleskyLogdet', (a) => diagonal(cholesky(a)).log().sum(), [A]));
});
