"""Run every corpus case through the real gopherprop kernel (jupyter_client).

    /usr/bin/python3 tests/corpus/run.py [--update-known] [NAME ...]

Started by tests/corpus/run.sh, which builds the kernel and installs its
kernelspec into a private JUPYTER_PATH. One kernel serves every case:
%reset between cases gives each a fresh interpreter, and a kernel that
hangs or dies is restarted. Each case's cells run in order; their stdout
is compared with the case's stdout section, and a case with an error
section must fail in its last cell with that text in the error's name,
value or traceback (earlier cells must succeed).

Prints PASS/FAIL per case with the first difference, then
"corpus: dev N/M (P%), heldout N/M (P%)". Exits 1 when a case fails that
known-failures.txt does not list, or a listed case passes; --update-known
rewrites that list from this run (keeping the causes already written).
"""

import argparse
import os
import sys
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
KNOWN = os.path.join(HERE, "known-failures.txt")
CELL_TIMEOUT = 10.0


def parse_txtar(text):
    """Returns (header dict, [(name, data)]) of a txtar archive."""
    header, files = {}, []
    cur = None
    lines = text.splitlines(keepends=True)
    for line in lines:
        s = line.rstrip("\n")
        if s.startswith("-- ") and s.endswith(" --") and len(s) >= 6:
            cur = [s[3:-3].strip(), ""]
            files.append(cur)
            continue
        if cur is None:
            if ":" in s:
                k, v = s.split(":", 1)
                header[k.strip()] = v.strip()
        else:
            cur[1] += line
    return header, [(n, d) for n, d in files]


def load_cases(names):
    cases = []
    for fn in sorted(os.listdir(CASES)):
        if not fn.endswith(".txtar"):
            continue
        name = fn[: -len(".txtar")]
        if names and name not in names:
            continue
        with open(os.path.join(CASES, fn)) as f:
            header, files = parse_txtar(f.read())
        sec = dict(files)
        cases.append({
            "name": name,
            "split": header.get("split", "?"),
            "category": header.get("category", "?"),
            "cells": [d for n, d in files if n.startswith("cell")],
            "stdout": sec.get("stdout", ""),
            "error": sec.get("error", "").strip(),
        })
    return cases


def load_known():
    known = {}
    if os.path.exists(KNOWN):
        with open(KNOWN) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                name, _, cause = line.partition(":")
                known[name.strip()] = cause.strip()
    return known


class Kernel:
    def __init__(self, name):
        self.name = name
        self.start()

    def start(self):
        self.km, self.kc = start_new_kernel(kernel_name=self.name, startup_timeout=60)

    def restart(self):
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)
        except Exception:
            pass
        self.start()

    def shutdown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)

    def run(self, code):
        """Runs one cell; returns (stdout, error content or None, status)."""
        out, err = [], []

        def hook(msg):
            t = msg["msg_type"]
            if t == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif t == "error":
                err.append(msg["content"])

        msg_id = self.kc.execute(code)
        reply = self._wait(msg_id, hook, CELL_TIMEOUT)
        if reply is None:
            # Hung: interrupt, and restart if even that does not answer.
            try:
                self.km.interrupt_kernel()
                reply = self._wait(msg_id, hook, 5.0)
            except Exception:
                reply = None
            if reply is None:
                self.restart()
                return "".join(out), {"ename": "Timeout", "evalue": "no reply in %gs; kernel restarted" % CELL_TIMEOUT, "traceback": []}, "timeout"
            e = err[0] if err else {"ename": "Timeout", "evalue": "", "traceback": []}
            e = dict(e)
            e["evalue"] = "no reply in %gs (interrupted): %s" % (CELL_TIMEOUT, e.get("evalue", ""))
            return "".join(out), e, "timeout"
        status = reply["content"]["status"]
        if status != "ok" and not err:
            err.append({"ename": reply["content"].get("ename", "error"), "evalue": reply["content"].get("evalue", ""), "traceback": reply["content"].get("traceback", [])})
        return "".join(out), (err[0] if err else None), status

    def _wait(self, msg_id, hook, timeout):
        """Collects iopub output of msg_id until idle, then its shell reply."""
        deadline = time.time() + timeout
        idle = False
        while not idle:
            left = deadline - time.time()
            if left <= 0:
                return None
            try:
                msg = self.kc.get_iopub_msg(timeout=left)
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            else:
                hook(msg)
        while True:
            left = deadline - time.time() + 2.0
            try:
                reply = self.kc.get_shell_msg(timeout=max(left, 0.1))
            except Empty:
                return None
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply


def first_diff(want, got):
    wl, gl = want.splitlines(), got.splitlines()
    for i in range(max(len(wl), len(gl))):
        w = wl[i] if i < len(wl) else "<end>"
        g = gl[i] if i < len(gl) else "<end>"
        if w != g:
            return "stdout line %d: want %r, got %r" % (i + 1, w[:100], g[:100])
    return "stdout differs in trailing newlines: want %r, got %r" % (want[-20:], got[-20:])


def run_case(k, case):
    """Returns None when the case passes, else a one-line difference."""
    _, e, status = k.run("%reset")
    if status != "ok":
        k.restart()
    stdout = ""
    n = len(case["cells"])
    for i, cell in enumerate(case["cells"]):
        out, err, status = k.run(cell)
        stdout += out
        last = i == n - 1
        if err is not None and not (last and case["error"]):
            msg = "%s: %s" % (err.get("ename"), err.get("evalue"))
            return "cell %d failed: %s" % (i + 1, msg.replace("\n", " ")[:200])
    if case["error"]:
        if err is None:
            return "cell %d succeeded; want an error containing %r" % (n, case["error"])
        text = "\n".join([str(err.get("ename")), str(err.get("evalue"))] + list(err.get("traceback") or []))
        if case["error"] not in text:
            return "want error containing %r, got %s: %s" % (case["error"], err.get("ename"), str(err.get("evalue")).replace("\n", " ")[:160])
    if stdout != case["stdout"]:
        return first_diff(case["stdout"], stdout)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update-known", action="store_true", help="rewrite known-failures.txt from this run")
    ap.add_argument("--kernel", default=os.environ.get("GOPHERPROP_KERNEL_NAME", "gopherprop"))
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()

    cases = load_cases(set(args.names))
    if not cases:
        print("corpus: no cases", file=sys.stderr)
        return 2
    known = load_known()
    k = Kernel(args.kernel)
    t0 = time.time()
    failed = {}
    counts = {"dev": [0, 0], "heldout": [0, 0]}
    try:
        for case in cases:
            diff = run_case(k, case)
            c = counts.setdefault(case["split"], [0, 0])
            c[1] += 1
            if diff is None:
                c[0] += 1
                tag = "PASS" if case["name"] not in known else "PASS (listed in known-failures.txt)"
                print("%s %s" % (tag, case["name"]))
            else:
                failed[case["name"]] = diff
                tag = "FAIL (known)" if case["name"] in known else "FAIL"
                print("%s %s [%s]: %s" % (tag, case["name"], case["split"], diff))
            sys.stdout.flush()
    finally:
        k.shutdown()

    def pct(c):
        return "%d/%d (%d%%)" % (c[0], c[1], (100 * c[0] // c[1]) if c[1] else 0)

    print("corpus: %d cases in %.0f s" % (len(cases), time.time() - t0))
    print("corpus: dev %s, heldout %s" % (pct(counts["dev"]), pct(counts["heldout"])))

    ran = {c["name"] for c in cases}
    if args.update_known:
        keep = {n: known.get(n) or ("TODO cause: " + d) for n, d in failed.items()}
        for n, cause in known.items():
            if n not in ran:
                keep[n] = cause  # not run this time: keep as it was
        with open(KNOWN, "w") as f:
            f.write("# Corpus cases that fail today, one per line: NAME: cause.\n")
            f.write("# tests/corpus/run.py fails when a case not listed here fails, or a listed one passes;\n")
            f.write("# --update-known rewrites this file from a run (causes already written are kept).\n")
            for n in sorted(keep):
                f.write("%s: %s\n" % (n, keep[n]))
        print("corpus: wrote %s (%d cases)" % (os.path.relpath(KNOWN), len(keep)))
        return 0

    regressions = sorted(n for n in failed if n not in known)
    fixed = sorted(n for n in known if n in ran and n not in failed)
    for n in regressions:
        print("corpus: REGRESSION %s fails and is not in known-failures.txt: %s" % (n, failed[n]))
    for n in fixed:
        print("corpus: %s passes now: remove it from known-failures.txt (or run with --update-known)" % n)
    missing = sorted(n for n in known if n not in {c["name"] for c in load_cases(set())})
    for n in missing:
        print("corpus: known-failures.txt lists %s, which is not a case" % n)
    if regressions or fixed or missing:
        return 1
    print("corpus: every failure is listed in known-failures.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
