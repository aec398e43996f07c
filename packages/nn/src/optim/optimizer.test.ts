import { describe, expect, it } from 'vitest';
import { OrderedMap } from 'immutable';
import { ShapeError, TapegradError, tensor } from '@tapegrad/core';
import { Adam, adam, exponentialSchedule, makeOptim, Optimizer, sgd, type Optim, type OptimizerState, type TensorMap } from '@tapegrad/nn';

const f64 = (xs: number[]) => tensor(xs, { dtype: 'float64' });

describe('makeOptim bookkeeping (shared by every optimizer)', () => {
  it('uses the schedule value for each update step: schedule(0) for the first', () => {
    const opt = sgd({ lr: exponentialSchedule(0.1, 0.5) });
    let params: TensorMap = OrderedMap({ w: f64([1]) });
    let state = opt.init(params);
    const g = OrderedMap({ w: f64([1]) });
    [params, state] = opt.update(g, state, params); // 1 − 0.1
    [params, state] = opt.update(g, state, params); // − 0.05
    [params, state] = opt.update(g, state, params); // − 0.025
    expect(params.get('w')!.data[0]).toBeCloseTo(0.825, 15);
    expect(opt.lrAt(state.step)).toBe(0.0125);
  });

  it('keeps the parameter order and leaves a parameter without a gradient untouched', () => {
    const opt = sgd({ lr: 1 });
    const params: TensorMap = OrderedMap({ z: f64([1]), a: f64([2]), m: f64([3]) });
    const [next] = opt.update(OrderedMap({ a: f64([1]) }), opt.init(params), params);
    expect([...next.keys()]).toEqual(['z', 'a', 'm']);
    expect(next.get('z')).toBe(params.get('z'));
    expect(next.get('a')!.data[0]).toBe(1);
  });

  it('leaves the state it was given as it was: the old slots map keeps its own buffers, also after a failed update', () => {
    const opt = sgd({ lr: 1, momentum: 0.5 });
    const params: TensorMap = OrderedMap({ a: f64([1]), b: f64([2]) });
    const state0 = opt.init(params);
    const [next, state1] = opt.update(OrderedMap({ a: f64([1]), b: f64([1]) }), state0, params);
    expect(state0.slots.get('a')!.b).toBe(null);
    expect(state1.slots.get('a')!.b!.data[0]).toBe(1);
    // b's gradient has the wrong shape: the update throws after a's slot was computed
    expect(() => opt.update(OrderedMap({ a: f64([1]), b: f64([1, 2]) }), state1, next)).toThrow(ShapeError);
    expect(state1.slots.get('a')!.b!.data[0]).toBe(1);
    expect(state1.step).toBe(1);
  });

  it('names the key and both shapes when a gradient does not fit, and rejects unknown keys', () => {
    const opt = sgd({ lr: 1 });
    const params: TensorMap = OrderedMap({ 'layers.0.W': f64([1, 2]) });
    const state = opt.init(params);
    const bad = () => opt.update(OrderedMap({ 'layers.0.W': f64([1, 2, 3]) }), state, params);
    expect(bad).toThrow(ShapeError);
    expect(bad).toThrow("sgd: argument 'grads': gradient 'layers.0.W' has shape [3] but the parameter has [2]");
    expect(() => opt.update(OrderedMap({ nope: f64([1]) }), state, params)).toThrow(/gradient 'nope' has no parameter/);
  });

  it('casts a gradient to the parameter dtype and runs without recording', () => {
    const opt = sgd({ lr: 0.5 });
    const params: TensorMap = OrderedMap({ w: tensor([1, 2], { requiresGrad: true }) });
    const [next] = opt.update(OrderedMap({ w: f64([1, 1]) }), opt.init(params), params);
    expect(next.get('w')!.dtype).toBe('float32');
    expect(next.get('w')!.requiresGrad).toBe(false);
    expect(next.get('w')!.isLeaf).toBe(true);
  });

  it('reports a bad learning rate from a schedule with the step it came from', () => {
    const opt = makeOptim('custom', (step) => (step === 1 ? NaN : 0.1), () => null, (theta) => [theta, null]);
    let params: TensorMap = OrderedMap({ w: f64([1]) });
    let state = opt.init(params);
    [params, state] = opt.update(OrderedMap({ w: f64([1]) }), state, params);
    expect(() => opt.update(OrderedMap({ w: f64([1]) }), state, params)).toThrow(TapegradError);
    expect(() => opt.update(OrderedMap({ w: f64([1]) }), state, params)).toThrow(/got NaN from the schedule at step 1/);
  });
});

describe('Optimizer (the stateful wrapper)', () => {
  const fakeModel = () => ({
    params: OrderedMap({ a: tensor([1], { dtype: 'float64', requiresGrad: true }), b: tensor([5], { dtype: 'float64', requiresGrad: true }) }) as TensorMap,
    parameters() { return this.params; },
    setParameters(p: TensorMap) { this.params = p.map((t) => t.detach().setRequiresGrad(true)); },
  });

  it('skips parameters whose .grad is null, zeroGrad clears every grad, lr reads the schedule', () => {
    const model = fakeModel();
    const optimizer = new Optimizer(model, sgd({ lr: exponentialSchedule(1, 0.1) }));
    expect(optimizer.lr).toBe(1);
    model.parameters().get('a')!.mul(3).sum().backward(); // da = 3, b unused
    optimizer.step();
    expect(model.parameters().get('a')!.data[0]).toBe(-2);
    expect(model.parameters().get('b')!.data[0]).toBe(5);
    expect(optimizer.lr).toBeCloseTo(0.1, 15);
    const a = model.parameters().get('a')!;
    a.grad = tensor([1], { dtype: 'float64' });
    optimizer.zeroGrad();
    expect(a.grad).toBeNull();
  });
});

describe('the optimizer types (checked by pnpm typecheck)', () => {
  // They declare their variance (`out S`) so that tsc need not measure it through immutable's
  // OrderedMap, which cost a consumer's fit() call 100,000 types; the declared variance is the one
  // tsc measured before: covariant, so a narrower state goes where a wider one is expected, not back.
  it('are covariant in the state type', () => {
    const narrow = makeOptim<{ m: number; v: number }>('mv', 0.1, () => ({ m: 0, v: 0 }), (theta, _g, slot) => [theta, slot]);
    const wide: Optim<{ m: number }> = narrow;
    // @ts-expect-error a state without v is not a state with v
    const back: Optim<{ m: number; v: number }> = wide;
    const state: OptimizerState<unknown> = narrow.init(OrderedMap());
    const model = { parameters: () => OrderedMap<string, never>(), setParameters: () => {} };
    const bound: Optimizer<unknown> = new Adam(model);
    expect([wide, back, state.step, bound.optim.name, adam().name]).toEqual([narrow, narrow, 0, 'adam', 'adam']);
  });
});
