#!/usr/bin/python3
"""One SGD step of the 784-300-100-10 MNIST network in PyTorch, timed.

The same model as ad's BenchmarkMLP (backprop's MNIST sample): logistic
hidden layers, softmax + cross-entropy output summed over the batch, SGD with
learning rate 0.02, float64, random non-zero inputs in [0.01, 1) and one-hot
targets, weights uniform in [-0.5, 0.5). PyTorch runs on one thread (its own and the BLAS's).

Prints one line per batch size in Go's benchmark format, so that
bench/table.py can read it with the Go results:

    BenchmarkTorchMLP/batch=1    <iterations>    <ns/op> ns/op    <cpu-ns/op> cpu-ns/op

(cpu-ns/op is the process CPU time per step, as the Go benchmarks report it.)

Run with Debian's interpreter: /usr/bin/python3 bench/mlp_torch.py
(package python3-torch). Optional arguments: seconds per measurement (2)
and number of measurements per batch size (1), each printed on its own line.
"""
import os
import sys
import time

# Debian's torch does its matrix products in the system BLAS (OpenBLAS),
# whose threads torch.set_num_threads does not limit: pin them to one too.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import torch  # noqa: E402  (after the environment is set)

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
SIZES = (784, 300, 100, 10)
LR = 0.02


def make_net(gen):
    params = []
    for i, o in zip(SIZES[:-1], SIZES[1:]):
        w = (torch.rand(o, i, generator=gen) - 0.5).requires_grad_()
        b = (torch.rand(o, generator=gen) - 0.5).requires_grad_()
        params += [w, b]
    return params


def loss_fn(params, x, t):
    # Columns are samples, as in the Go benchmark: W·X + b·1ᵀ.
    w1, b1, w2, b2, w3, b3 = params
    h1 = torch.sigmoid(w1 @ x + b1[:, None])
    h2 = torch.sigmoid(w2 @ h1 + b2[:, None])
    z = w3 @ h2 + b3[:, None]
    return -(t * torch.log_softmax(z, dim=0)).sum()


def step(params, opt, x, t):
    opt.zero_grad(set_to_none=False)
    loss = loss_fn(params, x, t)
    loss.backward()
    opt.step()
    return loss


def bench(batch, seconds):
    gen = torch.Generator().manual_seed(batch)
    params = make_net(gen)
    opt = torch.optim.SGD(params, lr=LR)
    x = 0.01 + 0.99 * torch.rand(SIZES[0], batch, generator=gen)
    t = torch.zeros(SIZES[3], batch)
    t[torch.randint(0, SIZES[3], (batch,), generator=gen), torch.arange(batch)] = 1
    for _ in range(20):  # warm up
        step(params, opt, x, t)
    # Time growing rounds like Go's testing package, until one lasts long enough.
    n = 1
    while True:
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            step(params, opt, x, t)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        if elapsed >= seconds or n >= 1 << 24:
            return n, elapsed / n * 1e9, cpu / n * 1e9
        n = max(n + 1, min(100 * n, int(n * 1.2 * seconds / max(elapsed, 1e-9))))


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print("torch %s, %d thread(s), float64" % (torch.__version__, torch.get_num_threads()))
    for batch in (1, 128):
        for _ in range(count):
            n, ns, cpu = bench(batch, seconds)
            print("BenchmarkTorchMLP/batch=%d \t%d\t%.0f ns/op\t%.0f cpu-ns/op" % (batch, n, ns, cpu))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
