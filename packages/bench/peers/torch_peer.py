"""PyTorch as a bench peer, one thread, run by src/libs/pytorch.ts.

stdin: one JSON line {"cases": [...], "arrays": [["f4" | "i4", length], ...]}, then the arrays' bytes
(in the machine's byte order, in that order): the same data the JavaScript children build from the bench's seed.
stdout: one JSON line per case as it finishes, {"type": "case", "case": {...}}, then
{"type": "done", "info": {...}}: the fields of CaseResult in src/protocol.ts. Each case is timed as
src/timing.ts times the JavaScript libraries: a checked first call, warm-up calls, then the median
of repetitions that each repeat the call for at least min_rep_ms.
"""
import json
import math
import platform
import resource
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def read_input():
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline())
    arrays = []
    for kind, length in header["arrays"]:
        dtype = torch.float32 if kind == "f4" else torch.int32
        buf = bytearray(stdin.read(4 * length))
        arrays.append(torch.frombuffer(buf, dtype=dtype) if length else torch.empty(0, dtype=dtype))
    return header["cases"], arrays


def checksum(*ts):
    """Σ value·(1 + i mod 7) over each array, as data.ts's checksum."""
    s = 0.0
    for t in ts:
        t = t.double().flatten()
        s += float((t * (1 + torch.arange(t.numel(), dtype=torch.float64) % 7)).sum())
    return s


class OverBudget(Exception):
    pass


def median(xs):
    s, h = sorted(xs), len(xs) // 2
    return s[h] if len(s) % 2 else (s[h - 1] + s[h]) / 2


def measure(run, reps, warmup, minRepMs, budget):
    warm = []
    for _ in range(warmup):
        t0 = time.perf_counter()
        run()
        warm.append(time.perf_counter() - t0)
    last = warm[-1] if warm else 0.0
    if budget is not None and warmup > 0 and last * reps > budget:
        med = median(warm)
        raise OverBudget({"median": med, "min": min(warm), "reps": len(warm), "inner": 1},
                         f"the {len(warm)} warm-up calls took {med:.3g} s each (median), so {round(last * reps)} s of "
                         f"repetitions would be over the budget of {budget} s a case: the figure is their median")
    inner = min(10_000, max(1, math.ceil(minRepMs / max(last * 1000, 1e-3))))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            run()
        times.append((time.perf_counter() - t0) / inner)
    return {"median": median(times), "min": min(times), "reps": reps, "inner": inner}


def picked(t, indices):
    """Entries of t at flat indices, or at index tuples (one list per entry)."""
    t = t.detach()
    if indices and isinstance(indices[0], list):
        return t[tuple(torch.tensor(col) for col in zip(*indices))].tolist()
    return t.flatten()[torch.tensor(indices, dtype=torch.long)].tolist()


# Each workload: (parameters, arrays) → (the call to time, what of its result is checked).

def matmul(p, a):
    n, dtype = p["n"], DTYPES[p["dtype"]]
    A, B = a["A"].reshape(n, n).to(dtype), a["B"].reshape(n, n).to(dtype)
    return (lambda: A @ B), (lambda C: picked(C, p["sample"]))


def mlp_step(p, a):
    """One SGD step of W2's network, examples as columns as in the JavaScript peers."""
    sizes, m = p["sizes"], p["m"]
    L = len(sizes) - 1
    X, Y = a["X"].reshape(sizes[0], m), a["Y"].reshape(sizes[L], m)
    params = [(W.reshape(sizes[l + 1], sizes[l]).clone().requires_grad_(), b.reshape(sizes[l + 1], 1).clone().requires_grad_())
              for l, (W, b) in enumerate(zip(a["W"], a["b"]))]
    opt = torch.optim.SGD([t for pair in params for t in pair], lr=p["lr"])

    def step():
        A = X
        for l, (W, b) in enumerate(params):
            Z = W @ A + b
            A = torch.sigmoid(Z) if l < L - 1 else Z
        loss = -(Y * torch.log_softmax(A, 0)).sum() / m  # L = −(1/m) Σ Y ⊙ logsoftmax(Z[L])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def mlp(p, a):
    step, calls = mlp_step(p, a), [0]

    def run():  # the first call makes two steps: the loss before and after one update are checked
        calls[0] += 1
        return [step(), step()] if calls[0] == 1 else [step()]
    return run, (lambda losses: losses)


def chain(p, a):
    x = a["x"].clone().requires_grad_()

    def run():
        v = x
        for i in range(p["ops"]):
            v = v * a["c"] if i % 3 == 0 else v + a["d"] if i % 3 == 1 else torch.sigmoid(v)
        return torch.autograd.grad(v.sum(), x)[0]
    return run, (lambda g: g.tolist())


def digits(p, a):
    (n0, n1, n2), mtr, mte, batch = p["sizes"], p["mTrain"], p["mTest"], p["batch"]
    x_train = a["xTrain"].reshape(n0, mtr).t().contiguous()  # examples as rows, as nn.Linear takes them
    x_test = a["xTest"].reshape(n0, mte).t().contiguous()
    y_train, y_test = a["yTrain"].long(), a["yTest"].long()
    perms = a["perms"].long().reshape(p["epochs"], mtr)  # fit's batch order, epoch by epoch

    def run():
        model = torch.nn.Sequential(torch.nn.Linear(n0, n1), torch.nn.Sigmoid(), torch.nn.Linear(n1, n2))
        with torch.no_grad():
            for layer, W, b, (rows, cols) in zip((model[0], model[2]), a["W"], a["b"], ((n1, n0), (n2, n1))):
                layer.weight.copy_(W.reshape(rows, cols))
                layer.bias.copy_(b)
        opt = torch.optim.Adam(model.parameters(), lr=p["lr"], betas=(0.9, 0.999), eps=1e-8)
        losses = []
        for perm in perms:
            for s in range(0, mtr, batch):
                idx = perm[s:s + batch]
                loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                value = loss.item()  # read every step, as fit reports it
                if len(losses) < 2:
                    losses.append(value)
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == y_test).double().mean().item()
        return losses + [accuracy]
    return run, (lambda out: out)


def conv(p, a):
    """y = conv2d(x, w) + b and its VJP with the cotangent G: dx, dW and db."""
    N, C, O, S, K, P = p["batch"], p["cin"], p["cout"], p["size"], p["kernel"], p["out"]
    x = a["x"].reshape(N, C, S, S).clone().requires_grad_()
    w = a["w"].reshape(O, C, K, K).clone().requires_grad_()
    b = a["b"].clone().requires_grad_()
    G = a["G"].reshape(N, O, P, P)

    def run():
        y = F.conv2d(x, w, b, padding=p["padding"])
        return (y, *torch.autograd.grad(y, (x, w, b), G))
    s = p["samples"]
    return run, (lambda r: sum((picked(t, s[k]) for t, k in zip(r, ("y", "dx", "dW", "db"))), []))


def linalg(p, a):
    f64 = lambda name, shape: a[name].double().reshape(shape)
    if p["op"] == "einsum":
        x, W, y = f64("x", (p["batch"], p["n"])), f64("W", (p["n"], p["n"])), f64("y", (p["batch"], p["n"]))
        return (lambda: torch.einsum("bi,ij,bj->b", x, W, y)), (lambda v: picked(v, p["sample"]))
    A = f64("A", (p["n"], p["n"]))
    if p["op"] == "cholesky":
        return (lambda: torch.linalg.cholesky(A)), (lambda L: picked(L, p["sample"]))
    B = f64("B", (p["n"], p["rhs"]))
    return (lambda: torch.linalg.solve(A, B)), (lambda X: picked(X, p["sample"]))


WORKLOADS = {"W1": matmul, "W2": mlp, "W3": chain, "W4": digits, "W5": conv, "W6": linalg}


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def memory(p, a, result):
    """RSS over many W2 steps, sampled every tenth of them; the peak is the process's maximum RSS."""
    step, steps = mlp_step(p, a), p["steps"]
    for _ in range(5):  # as run.ts: warm up, then estimate from 10 steps
        step()
    t0 = time.perf_counter()
    for _ in range(min(10, steps)):
        step()
    estimate = (time.perf_counter() - t0) / min(10, steps) * steps
    if estimate > p["budget"]:
        result["skipped"] = f"{steps} W2 steps would take about {round(estimate)} s, over the budget of {p['budget']} s"
        return
    every, rss = max(1, steps // 10), []
    t0 = time.perf_counter()
    for s in range(1, steps + 1):
        step()
        if s % every == 0:
            rss.append(rss_mib())
    per_step = (time.perf_counter() - t0) / steps
    result["time"] = {"median": per_step, "min": per_step, "reps": 1, "inner": steps}
    result["extra"] = {"steps": steps, "peakMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                       "firstTenthMiB": rss[0], "lastMiB": rss[-1], "growthMiB": max(rss) - rss[0]}


def run_case(case, arrays):
    a = {k: [arrays[i] for i in v] if isinstance(v, list) else arrays[v] for k, v in case["arrays"].items()}
    result = {"key": case["key"]}
    if case["sum"]:
        result["checksum"] = checksum(*(arrays[i] for i in case["sum"]))
    try:
        if case["workload"] == "mem":
            memory(case["params"], a, result)
            return result
        run, to_check = WORKLOADS[case["workload"]](case["params"], a)
        t0 = time.perf_counter()
        first = run()
        result["extra"] = {"firstCallSeconds": time.perf_counter() - t0}
        result["check"] = to_check(first)
        first_seconds, budget = result["extra"]["firstCallSeconds"], case["timing"]["budget"]
        if budget is not None and first_seconds > budget / 2:  # as run.ts: the one call is the figure
            result["time"] = {"median": first_seconds, "min": first_seconds, "reps": 1, "inner": 1}
            result["extra"]["overBudget"] = 1
            result["note"] = (f"the first call took {first_seconds:.3g} s, over half the budget of {budget} s a case: "
                              "the figure is that one call (not warmed up)")
            return result
        result["time"] = measure(run, **case["timing"])
    except OverBudget as e:
        result["time"], result["note"] = e.args
        result["extra"]["overBudget"] = 1
    except Exception as e:  # recorded in the case; the other cases still run
        result["error"] = f"{type(e).__name__}: {e}"
    return result


def finite(v):
    """JSON has no NaN or ±Infinity: such values travel as strings (the parent reads them with Number)."""
    if isinstance(v, float) and not math.isfinite(v):
        return str(v).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(v, list):
        return [finite(x) for x in v]
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    return v


def send(msg):
    sys.stdout.write(json.dumps(finite(msg)) + "\n")
    sys.stdout.flush()


def main():
    cases, arrays = read_input()
    for case in cases:
        send({"type": "case", "case": run_case(case, arrays)})
    config = torch.__config__.show()
    blas = next((s.split("=")[1] for s in config.replace(",", " ").split() if s.startswith("BLAS_INFO=")), "?")
    send({"type": "done", "info": {
        "version": torch.__version__,
        "python": f"{sys.executable} {platform.python_version()}",
        "threads": f"{torch.get_num_threads()} (torch.set_num_threads(1))",
        "blas": blas,
        "mkldnn": str(torch.backends.mkldnn.is_available()).lower(),
    }})


main()
