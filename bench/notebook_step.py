#!/usr/bin/python3
"""Notebook 3's training step in a notebook cell, against compiled Go and
PyTorch in ipykernel (run by bench/notebook.sh, which builds the kernel).

Each round runs, one after the other (interleaved, so that load on the
machine hits all alike; PyTorch last, then a pause, as its threads spin
for a while after their work):

* the cells of interp/testdata/cellstep.txt in the gopherprop kernel,
  through jupyter_client: the per-sample SGD step the way notebook 3 writes
  it (cell-declared structs and functions, a closure per sample, ad.Grad
  into a cell-declared Net, opt.Step); the last cell times STEPS steps
  itself and prints ns per step;
* the compiled step, BenchmarkMLP/batch=1/ad of the same build;
* the same step in PyTorch (float64, sigmoid layers, log-softmax
  cross-entropy, SGD 0.02, one sample per step, PyTorch's default threads)
  in an ipykernel cell, timed in the cell the same way.

With --interptest (the interp package's test binary), each round also
runs notebook 4's step: the cells of interp/testdata/cellstep_net4.txt (a
[]any of cell-declared layer types behind the Kind interface, trained by the
notebook's trainSGD) in a second gopherprop kernel, beside their compiled
twin, BenchmarkCellStep/net4/compiled of the same build.

Prints the medians in µs per step, wall and CPU time (of the kernel's
process tree, and the benchmark's own cpu-ns/op: steadier than wall time on
a machine shared with other work), and the ratios.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

from jupyter_client.manager import KernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The kernel tests' cell helper (tests/kernel/kerneltest.py).
sys.path.insert(0, os.path.join(ROOT, "tests", "kernel"))
from kerneltest import execute  # noqa: E402

TORCH_CELLS = [
    """import time
import torch
torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(1)
sizes = (784, 300, 100, 10)
params = []
for i, o in zip(sizes[:-1], sizes[1:]):
    params += [(torch.rand(o, i, generator=gen) - 0.5).requires_grad_(),
               (torch.rand(o, generator=gen) - 0.5).requires_grad_()]
opt = torch.optim.SGD(params, lr=0.02)
xs = [torch.rand(784, generator=gen) for _ in range(16)]
ts = [torch.nn.functional.one_hot(torch.tensor(i % 10), 10).double() for i in range(16)]
def step(x, t):
    w1, b1, w2, b2, w3, b3 = params
    h1 = torch.sigmoid(w1 @ x + b1)
    h2 = torch.sigmoid(w2 @ h1 + b2)
    loss = -(t * torch.log_softmax(w3 @ h2 + b3, dim=0)).sum()
    opt.zero_grad(set_to_none=False)
    loss.backward()
    opt.step()
    return loss
for k in range(20):
    step(xs[k % 16], ts[k % 16])""",
    """start = time.perf_counter_ns()
for k in range(STEPS):
    step(xs[k % 16], ts[k % 16])
print("ns/step", (time.perf_counter_ns() - start) // STEPS)""",
]


def go_cells(name="cellstep.txt"):
    src = open(os.path.join(ROOT, "interp", "testdata", name)).read()
    return src.split("// ---- cell\n")[1:]


class Kernel:
    def __init__(self, name):
        self.km = KernelManager(kernel_name=name)
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def run(self, code, timeout=600):
        content, out, _, err = execute(self.kc, code, timeout)
        if content["status"] != "ok" or err:
            raise RuntimeError("cell failed: %s\n%s" % ("; ".join(err), code))
        return out

    def cpu(self):
        return tree_cpu(self.km.provisioner.process.pid)

    def stop(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def tree_cpu(pid):
    """User+system CPU seconds of process pid and all its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            total += (int(f[11]) + int(f[12])) / tick
            for t in os.listdir("/proc/%d/task" % p):
                kids = open("/proc/%d/task/%s/children" % (p, t)).read().split()
                todo += [int(k) for k in kids]
        except OSError:
            pass
    return total


def ns_per_step(out):
    m = re.search(r"ns/step (\d+)", out)
    if not m:
        raise RuntimeError("no ns/step in the cell's output: %r" % out)
    return int(m.group(1))


def compiled(test, steps, bench="BenchmarkMLP/^batch=1$/^ad$", name="BenchmarkMLP/batch=1/ad"):
    """Runs benchmark bench of the test binary test for steps steps and
    returns its wall and CPU ns per step."""
    out = subprocess.run(
        [test, "-test.run", "^$", "-test.bench", bench, "-test.benchtime", "%dx" % steps],
        check=True, capture_output=True, text=True).stdout
    m = re.search(re.escape(name) + r"\S*\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) cpu-ns/op", out)
    if not m:
        raise RuntimeError("no %s result in:\n%s" % (name, out))
    return float(m.group(1)), float(m.group(2))


def start_cells(name, steps):
    """Starts a gopherprop kernel, runs the cells of interp/testdata/name but
    the last, warms up, and returns the kernel and the last cell for steps
    steps."""
    k = Kernel("gopherprop")
    cells = go_cells(name)
    for c in cells[:-1]:
        k.run(c.replace("STEPS", "2"))
    k.run(cells[-1].replace("STEPS", "50"))  # warm up
    return k, cells[-1].replace("STEPS", str(steps))


def print_pair(width, label, cell, comp, cellcpu, compcpu):
    """Prints the medians of a cell step and its compiled twin (wall and CPU
    time per round, µs) and their ratios; returns the cell's wall median."""
    mc, mp = statistics.median(cell), statistics.median(comp)
    mcc, mpc = statistics.median(cellcpu), statistics.median(compcpu)
    paired = statistics.median(c / p for c, p in zip(cell, comp))
    print("  %-*s %9s   %9s" % (width, "", "wall", "CPU time"))
    print("  %-*s %9.0f µs %9.0f µs" % (width, label, mp, mpc))
    print("  %-*s %9.0f µs %9.0f µs" % (width, "gopherprop, in a notebook cell", mc, mcc))
    print("  cell/compiled: %.2f wall (median of the rounds' ratios %.2f), %.2f CPU time"
          % (mc / mp, paired, mcc / mpc))
    return mc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adtest", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--interptest", help="the interp test binary: also time notebook 4's step")
    ap.add_argument("--blas", default="")
    a = ap.parse_args()

    go, go_loop = start_cells("cellstep.txt", a.steps)
    net4 = None
    if a.interptest:
        net4, net4_loop = start_cells("cellstep_net4.txt", a.steps)

    torch, why = None, ""
    try:
        torch = Kernel("python3")
        torch.run(TORCH_CELLS[0])
    except Exception as e:  # no ipykernel kernelspec, or no torch
        why = str(e).splitlines()[0]
        if "No module named 'torch'" in str(e):
            why = "python3-torch is not installed (apt-get install -y python3-torch)"
        if torch is not None:
            torch.stop()
        torch = None

    cell, comp, pt, cellcpu, compcpu = [], [], [], [], []
    n4cell, n4comp, n4cellcpu, n4compcpu = [], [], [], []
    for r in range(a.rounds):
        c0 = go.cpu()
        cell.append(ns_per_step(go.run(go_loop)) / 1e3)
        cellcpu.append((go.cpu() - c0) * 1e6 / a.steps)
        wall, cpu = compiled(a.adtest, a.steps)
        comp.append(wall / 1e3)
        compcpu.append(cpu / 1e3)
        if net4 is not None:
            c0 = net4.cpu()
            n4cell.append(ns_per_step(net4.run(net4_loop)) / 1e3)
            n4cellcpu.append((net4.cpu() - c0) * 1e6 / a.steps)
            wall, cpu = compiled(a.interptest, a.steps, "BenchmarkCellStep/^net4$/^compiled$",
                                 "BenchmarkCellStep/net4/compiled")
            n4comp.append(wall / 1e3)
            n4compcpu.append(cpu / 1e3)
        if torch is not None:
            pt.append(ns_per_step(torch.run(TORCH_CELLS[1].replace("STEPS", str(a.steps)))) / 1e3)
            # PyTorch's OpenMP threads spin for a while after their work:
            # let them sleep before the next round's Go steps.
            time.sleep(1)
        print("round %d: cell %.0f µs (CPU %.0f), compiled %.0f µs (CPU %.0f)%s%s" % (
            r + 1, cell[-1], cellcpu[-1], comp[-1], compcpu[-1],
            ", PyTorch %.0f µs" % pt[-1] if pt else "",
            "; notebook 4: cell %.0f µs (CPU %.0f), compiled %.0f µs (CPU %.0f)" % (
                n4cell[-1], n4cellcpu[-1], n4comp[-1], n4compcpu[-1]) if n4cell else ""),
            file=sys.stderr)
    go.stop()
    if net4 is not None:
        net4.stop()
    if torch is not None:
        torch.stop()

    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else ["?"]
    print("Notebook 3's per-sample SGD step (784-300-100-10, float64), µs per step,")
    print("medians of %d interleaved rounds of %d steps; BLAS: %s; %d cores; load %s"
          % (a.rounds, a.steps, a.blas, os.cpu_count(), " ".join(load)))
    mc = print_pair(42, "compiled Go (BenchmarkMLP/batch=1/ad)", cell, comp, cellcpu, compcpu)
    if pt:
        m = statistics.median(pt)
        print("  %-42s %9.0f µs %9s      PyTorch/cell %.2f wall" % ("PyTorch in ipykernel", m, "", m / mc))
    else:
        print("  %-42s %9s    (%s)" % ("PyTorch in ipykernel", "n/a", why))
    if n4cell:
        print("Notebook 4's step (low-rank/ReLU/softmax 784-300-100-10 as a []any behind Kind),")
        print("µs per step, the same rounds:")
        print_pair(46, "compiled Go (BenchmarkCellStep/net4/compiled)", n4cell, n4comp, n4cellcpu, n4compcpu)


if __name__ == "__main__":
    main()
