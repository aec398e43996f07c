/**
 * erf(x) in double precision (JavaScript has no Math.erf). The method and coefficients are those of
 * Sun's fdlibm `s_erf.c` (1993), used by most C libraries and by NumPy/PyTorch through them: on
 * [0, 0.84375) x + x·P(x²)/Q(x²); on [0.84375, 1.25) erf(1) + P(s)/Q(s) with s = |x| − 1; above,
 * 1 − exp(−x² − 0.5625 + R(1/x²)/S(1/x²))/x, with x² split so that the exponent loses no bits; from 6
 * on erf(x) rounds to ±1. Error below 1 ulp.
 */

const ERX = 8.45062911510467529297e-01; // erf(1) rounded to 24 bits
const EFX = 1.28379167095512586316e-01; // 2/√π − 1
/** [0, 0.84375): numerator and denominator in x². */
const PP = [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02, -5.77027029648944159157e-03, -2.37630166566501626084e-05];
const QQ = [1, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06];
/** [0.84375, 1.25): in s = |x| − 1. */
const PA = [-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01, 3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02, -2.16637559486879084300e-03];
const QA = [1, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02, 1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02];
/** [1.25, 1/0.35): in 1/x². */
const RA = [-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01, -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02, -8.12874355063065934246e+01, -9.81432934416914548592e+00];
const SA = [1, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02, 6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02, 6.57024977031928170135e+00, -6.04244152148580987438e-02];
/** [1/0.35, 6): in 1/x². */
const RB = [-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01, -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03, -4.83519191608651397019e+02];
const SB = [1, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03, 3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02, -2.24409524465858183362e+01];

/** c[0] + c[1]·t + c[2]·t² + … by Horner's rule. */
function poly(c: readonly number[], t: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = r * t + c[i];
  return r;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** x with the low 32 bits of its significand cleared, so z² is exact. */
function truncated(x: number): number {
  bits[0] = x;
  words[0] = 0; // little-endian: the low word comes first (every engine tapegrad runs on)
  return bits[0];
}

/** The error function, erf(x) = 2/√π ∫₀ˣ e^(−t²) dt. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  let r: number;
  if (a < 0.84375) {
    if (a < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (poly(PP, z) / poly(QQ, z));
  }
  if (a < 1.25) {
    const s = a - 1;
    r = ERX + poly(PA, s) / poly(QA, s);
  } else if (a >= 6) {
    r = 1;
  } else {
    const s = 1 / (a * a);
    const RS = a < 1 / 0.35 ? poly(RA, s) / poly(SA, s) : poly(RB, s) / poly(SB, s);
    const z = truncated(a);
    r = 1 - (Math.exp(-z * z - 0.5625) * Math.exp((z - a) * (z + a) + RS)) / a;
  }
  return x < 0 ? -r : r;
}
