"""Kernel benchmarks through jupyter_client, against Debian's ipykernel in
the same run (ratios printed; nothing is asserted).

    /usr/bin/python3 tests/kernel/bench.py [--kernel NAME] [--baseline python3]
        [--starts 20] [--roundtrips 1000] [--cells 5000]

* startup: start_kernel() until wait_for_ready() returns (median of N), and
  until the first kernel_info_reply;
* round trip: execute_interactive("1+1") (reply + IOPub up to idle),
  p50/p99 of N;
* endurance: N cells in a row on the measured kernel, reporting resident
  memory growth and (for gopherprop) goroutines and Go heap via the
  gopherprop_stats_request control message.
"""

import argparse
import os
import statistics
import sys
import time

from jupyter_client.manager import KernelManager


def quiet(_msg):
    pass


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def tree_rss_kib(pid):
    """RSS of pid plus its descendants (gopherprop runs cells in a worker)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += max(rss_kib(p), 0)
        try:
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return total


def start(name, poll_first=False):
    """Start a kernel; return (km, kc, seconds to first kernel_info_reply or
    None, seconds until wait_for_ready() returned)."""
    km = KernelManager(kernel_name=name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    first = None
    if poll_first:
        # Poll kernel_info every 20 ms until the first reply.
        while first is None:
            kc.kernel_info()
            try:
                kc.get_shell_msg(timeout=0.02)
                first = time.perf_counter() - t0
            except Exception:
                if time.perf_counter() - t0 > 60:
                    raise RuntimeError("kernel %s did not answer kernel_info" % name)
    kc.wait_for_ready(timeout=60)
    ready = time.perf_counter() - t0
    return km, kc, first, ready


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def startup(name, n):
    """Median seconds from start_kernel() until wait_for_ready() returns
    (jupyter_client's own readiness check, nothing else sent), over n
    starts, and median seconds to the first kernel_info_reply over n//4
    other starts."""
    readys, firsts = [], []
    for _ in range(n):
        km, kc, _, ready = start(name)
        readys.append(ready)
        stop(km, kc)
    for _ in range(max(1, n // 4)):
        km, kc, first, _ = start(name, poll_first=True)
        firsts.append(first)
        stop(km, kc)
    return statistics.median(firsts), statistics.median(readys)


def roundtrips(name, n, code="1+1"):
    km, kc, _, _ = start(name)
    try:
        for _ in range(20):  # warm up
            kc.execute_interactive(code, timeout=30, output_hook=quiet)
        ts = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = kc.execute_interactive(code, timeout=30, output_hook=quiet)
            ts.append(time.perf_counter() - t0)
            if r["content"]["status"] != "ok":
                raise RuntimeError("%s: %r" % (name, r["content"]))
    finally:
        stop(km, kc)
    ts.sort()
    return ts[len(ts) // 2], ts[min(len(ts) - 1, int(len(ts) * 0.99))]


def go_stats(kc):
    msg = kc.session.msg("gopherprop_stats_request", {})
    kc.control_channel.send(msg)
    deadline = time.time() + 10
    while time.time() < deadline:
        r = kc.get_control_msg(timeout=10)
        if r["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return r["content"]
    return {}


def endurance(name, n, code, is_go):
    km, kc, _, _ = start(name)
    try:
        pid = km.provisioner.process.pid if km.provisioner else km.kernel.pid
        for _ in range(20):
            kc.execute_interactive(code, timeout=30, output_hook=quiet)
        before = (rss_kib(pid), tree_rss_kib(pid))
        gs0 = go_stats(kc) if is_go else {}
        errors, first_error = 0, None
        t0 = time.perf_counter()
        for i in range(n):
            r = kc.execute_interactive(code, timeout=30, output_hook=quiet)
            if r["content"]["status"] != "ok":
                errors += 1
                if first_error is None:
                    first_error = "cell %d: %s: %s" % (i, r["content"].get("ename"), r["content"].get("evalue"))
        dt = time.perf_counter() - t0
        after = (rss_kib(pid), tree_rss_kib(pid))
        gs1 = go_stats(kc) if is_go else {}
    finally:
        stop(km, kc)
    return before, after, gs0, gs1, dt, errors, first_error


def burst(name, code, n_lines):
    """Run a cell printing n_lines lines; return (seconds, stream messages, lines seen)."""
    km, kc, _, _ = start(name)
    msgs, text = [], []

    def hook(m):
        if m["msg_type"] == "stream":
            msgs.append(m)
            text.append(m["content"]["text"])
    try:
        kc.execute_interactive(code, timeout=60, output_hook=quiet)  # warm up
        msgs.clear()
        text.clear()
        t0 = time.perf_counter()
        r = kc.execute_interactive(code, timeout=60, output_hook=hook)
        dt = time.perf_counter() - t0
        if r["content"]["status"] != "ok":
            raise RuntimeError("burst cell: %r" % r["content"])
    finally:
        stop(km, kc)
    return dt, len(msgs), "".join(text).count("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default=os.environ.get("GOPHERPROP_KERNEL_NAME", "gopherprop"))
    ap.add_argument("--baseline", default="python3")
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--roundtrips", type=int, default=1000)
    ap.add_argument("--cells", type=int, default=5000)
    ap.add_argument("--cell-code", default="x := 1+1")
    ap.add_argument("--burst-code", default='import "fmt"\nfor i := 0; i < 10000; i++ {\n\tfmt.Println(i)\n}')
    a = ap.parse_args()

    print("startup: first kernel_info_reply (median of %d) / until wait_for_ready() (median of %d)"
          % (max(1, a.starts // 4), a.starts))
    gf, gr = startup(a.kernel, a.starts)
    bf, br = startup(a.baseline, a.starts)
    print("  %-12s %7.1f ms / %7.1f ms" % (a.kernel, gf * 1e3, gr * 1e3))
    print("  %-12s %7.1f ms / %7.1f ms" % (a.baseline, bf * 1e3, br * 1e3))
    print("  ratio        %7.2fx    / %7.2fx   (goal: ready <= 0.30x)" % (gf / bf, gr / br))

    print("execute_interactive('1+1') round trip, %d runs: p50 / p99" % a.roundtrips)
    g50, g99 = roundtrips(a.kernel, a.roundtrips)
    b50, b99 = roundtrips(a.baseline, a.roundtrips)
    print("  %-12s %7.2f ms / %7.2f ms" % (a.kernel, g50 * 1e3, g99 * 1e3))
    print("  %-12s %7.2f ms / %7.2f ms" % (a.baseline, b50 * 1e3, b99 * 1e3))
    print("  ratio        %7.2fx    / %7.2fx   (goal: p50 <= 0.40x)" % (g50 / b50, g99 / b99))

    print("burst: a cell printing 10,000 lines")
    dt, nmsg, nlines = burst(a.kernel, a.burst_code, 10000)
    print("  %-12s %.0f ms end to end, %d stream messages, %d lines received (goal: <= 300 ms)"
          % (a.kernel, dt * 1e3, nmsg, nlines))

    print("endurance: %d cells of %r in a row" % (a.cells, a.cell_code))
    before, after, gs0, gs1, dt, errors, first_error = endurance(a.kernel, a.cells, a.cell_code, True)
    print("  %-12s %.1f s total (%.2f ms/cell); %d cells failed%s"
          % (a.kernel, dt, dt / a.cells * 1e3, errors, " (first: %s)" % first_error if first_error else ""))
    print("  %-12s kernel process RSS %d -> %d KiB (+%d KiB, %.2f KiB/cell)"
          % ("", before[0], after[0], after[0] - before[0], (after[0] - before[0]) / a.cells))
    print("  %-12s kernel + worker RSS %d -> %d KiB (+%d KiB, %.2f KiB/cell)"
          % ("", before[1], after[1], after[1] - before[1], (after[1] - before[1]) / a.cells))
    if gs0 and gs1:
        print("  %-12s goroutines %d -> %d; Go heap in use %.1f -> %.1f MiB"
              % ("", gs0["goroutines"], gs1["goroutines"], gs0["heap_inuse"] / 2**20, gs1["heap_inuse"] / 2**20))
    return 0


if __name__ == "__main__":
    sys.exit(main())
