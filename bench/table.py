#!/usr/bin/python3
"""Print the PyTorch-versus-ad table from the outputs of bench/pytorch.sh.

Usage: /usr/bin/python3 bench/table.py DIR
DIR holds Go benchmark outputs gonum.txt (pure-Go BLAS), openblas1.txt
(OpenBLAS on one thread), openblas.txt (OpenBLAS, all cores), and torch.txt
(bench/mlp_torch.py), plus machine.txt (lines describing the machine).
Each benchmark may appear several times (one per interleaved round of
bench/pytorch.sh): the median counts, of the wall time and of the process
CPU time per step (cpu-ns/op), which other work on a shared machine
disturbs less.
"""
import os
import re
import statistics
import sys

# FLOPs of one SGD step of the 784-300-100-10 network on a batch of B:
# forward, backward to the activations and to the weights each multiply by
# every weight once (2 FLOPs per multiply-add): 6·B·(784·300 + 300·100 + 100·10).
WEIGHTS = 784 * 300 + 300 * 100 + 100 * 10

LINE = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+([\d.]+) ns/op(.*)$")


def parse(path):
    """Returns {name: (median ns/op, {unit: median value})} for the
    benchmarks in path."""
    runs = {}
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line.strip())
            if not m:
                continue
            r = runs.setdefault(m.group(1), {"ns/op": []})
            r["ns/op"].append(float(m.group(3)))
            for val, unit in re.findall(r"([\d.]+) (\S+)", m.group(4)):
                r.setdefault(unit, []).append(float(val))
    out = {}
    for name, r in runs.items():
        extra = {unit: statistics.median(vals) for unit, vals in r.items() if unit != "ns/op"}
        if "GFLOP/s" in r:
            extra["GFLOP/s"] = max(r["GFLOP/s"])  # the machine's rate: the best run
        out[name] = (statistics.median(r["ns/op"]), extra)
    return out


def fmt_time(ns):
    if ns is None:
        return "n/a"
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    return "%.0f µs" % (ns / 1e3)


def ratio(a, b):
    return "n/a" if a is None or b is None else "%.2f×" % (a / b)


def main():
    d = sys.argv[1]
    runs = {
        "gonum": parse(os.path.join(d, "gonum.txt")),
        "openblas1": parse(os.path.join(d, "openblas1.txt")),
        "openblas": parse(os.path.join(d, "openblas.txt")),
        "torch": parse(os.path.join(d, "torch.txt")),
    }

    def get(run, name):
        v = runs[run].get(name)
        return v[0] if v else None

    def cpu(run, name):
        v = runs[run].get(name)
        return v[1].get("cpu-ns/op") if v else None

    def gflops(run):
        best = None
        for name, (_, extra) in runs[run].items():
            if name.startswith("BenchmarkDGEMM") and "GFLOP/s" in extra:
                best = max(best or 0, extra["GFLOP/s"])
        return best

    machine = ""
    mp = os.path.join(d, "machine.txt")
    if os.path.exists(mp):
        machine = open(mp).read().strip()
    print("One SGD step of the 784-300-100-10 MLP (float64), median wall time per step")
    if machine:
        print(machine)
    print()
    cols = [
        ("PyTorch, 1 thread", "torch", "BenchmarkTorchMLP/batch=%d"),
        ("ad, pure Go", "gonum", "BenchmarkMLP/batch=%d/ad"),
        ("manual, pure Go", "gonum", "BenchmarkMLP/batch=%d/manual"),
        ("ad, OpenBLAS 1 thread", "openblas1", "BenchmarkMLP/batch=%d/ad"),
        ("ad Session, OpenBLAS 1 thread", "openblas1", "BenchmarkMLP/batch=%d/session"),
        ("manual, OpenBLAS 1 thread", "openblas1", "BenchmarkMLP/batch=%d/manual"),
        ("ad, OpenBLAS all cores", "openblas", "BenchmarkMLP/batch=%d/ad"),
    ]
    print("| batch | " + " | ".join(c[0] for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    times = {}
    for batch in (1, 128):
        row = []
        for label, run, pat in cols:
            t = get(run, pat % batch)
            times[(label, batch)] = t
            row.append(fmt_time(t))
        print("| %d | %s |" % (batch, " | ".join(row)))
    print()
    print("Ratios. PyTorch columns: PyTorch time / ad time (> 1 means ad is faster). ad/manual columns:")
    print("ad time / hand-written gonum time (the library's overhead; 1 means none).")
    print()
    print("| batch | PyTorch / ad pure Go | PyTorch / ad OpenBLAS 1 thread | PyTorch / ad OpenBLAS all cores | ad/manual pure Go | ad/manual OpenBLAS 1 thread |")
    print("|---|---|---|---|---|---|")
    for batch in (1, 128):
        tt = times[("PyTorch, 1 thread", batch)]
        print("| %d | %s | %s | %s | %s | %s |" % (
            batch,
            ratio(tt, times[("ad, pure Go", batch)]),
            ratio(tt, times[("ad, OpenBLAS 1 thread", batch)]),
            ratio(tt, times[("ad, OpenBLAS all cores", batch)]),
            ratio(times[("ad, pure Go", batch)], times[("manual, pure Go", batch)]),
            ratio(times[("ad, OpenBLAS 1 thread", batch)], times[("manual, OpenBLAS 1 thread", batch)]),
        ))
    print()
    print("Goal ratios of issue 14, OpenBLAS on one thread against single-threaded PyTorch: medians of the")
    print("interleaved rounds' process CPU time per step (wall time in parentheses). 'ad' is ad.Grad, 'Session'")
    print("is ad.Session's Grad (forward storage reused from step to step), 'manual' the hand-written gonum step;")
    print("eval* are the forward pass alone (ad.Eval, Session.Eval, hand-written).")
    print()

    def both(run_a, name_a, run_b, name_b):
        c = ratio(cpu(run_a, name_a), cpu(run_b, name_b))
        w = ratio(get(run_a, name_a), get(run_b, name_b))
        return "%s (%s)" % (c, w)

    ob, mlp, tmlp = "openblas1", "BenchmarkMLP/batch=%d/", "BenchmarkTorchMLP/batch=%d"
    print("| ratio | goal | batch 1 | batch 128 |")
    print("|---|---|---|---|")
    for label, goal, a, b in (
        ("ad / manual", "≤ 1.10 at 128", (ob, mlp + "ad"), (ob, mlp + "manual")),
        ("Session / manual", "≤ 1.10 at 128", (ob, mlp + "session"), (ob, mlp + "manual")),
        ("PyTorch / ad", "≥ 1.5 at 1, ≥ 1.0 at 128", ("torch", tmlp), (ob, mlp + "ad")),
        ("PyTorch / Session", "≥ 1.5 at 1, ≥ 1.0 at 128", ("torch", tmlp), (ob, mlp + "session")),
        ("eval / evalmanual", "≤ 1.05 at 1", (ob, mlp + "eval"), (ob, mlp + "evalmanual")),
        ("Session.Eval / evalmanual", "≤ 1.05 at 1", (ob, mlp + "evalsession"), (ob, mlp + "evalmanual")),
    ):
        cells = [both(a[0], a[1] % batch, b[0], b[1] % batch) for batch in (1, 128)]
        print("| %s | %s | %s | %s |" % (label, goal, cells[0], cells[1]))
    print()
    flops = 6 * 128 * WEIGHTS
    # The gradient with respect to the (constant) input batch, W1ᵀ·δ1, is
    # not needed; PyTorch and a careful implementation skip its 2·B·784·300.
    needed = flops - 2 * 128 * 784 * 300
    print("DGEMM rate of this machine (BenchmarkDGEMM, best size) and share of it reached by the batch-128 ad step,")
    print("counting the nominal %.1f MFLOP per step (6·128·(784·300 + 300·100 + 100·10)) and the %.1f MFLOP actually"
          % (flops / 1e6, needed / 1e6))
    print("needed (without the gradient of the input batch, which neither PyTorch nor ad computes):")
    print()
    print("| BLAS | DGEMM GFLOP/s | ad step GFLOP/s (nominal) | % of DGEMM (nominal) | ad step GFLOP/s (needed) | % of DGEMM (needed) |")
    print("|---|---|---|---|---|---|")
    for label, run in (("gonum pure Go (all cores)", "gonum"), ("OpenBLAS 1 thread", "openblas1"), ("OpenBLAS all cores", "openblas")):
        g = gflops(run)
        t = get(run, "BenchmarkMLP/batch=128/ad")
        cells = []
        for count in (flops, needed):
            rate = count / t if t else None  # FLOP/ns = GFLOP/s
            cells.append("%.1f" % rate if rate else "n/a")
            cells.append("%.0f%%" % (100 * rate / g) if rate and g else "n/a")
        print("| %s | %s | %s |" % (label, "%.1f" % g if g else "n/a", " | ".join(cells)))


if __name__ == "__main__":
    main()
