"""Shared code of the notebook tools (build.py, tests/notebooks/*.py).

The notebooks are written as literate Markdown files in notebooks/src/:
every ```go fenced block is a code cell; the text between code blocks is a
Markdown cell (a line holding only "<!-- cell -->" splits it further).
build.py turns src/NAME.md into NAME.ipynb, keeping the outputs of code
cells whose code did not change, and with --execute runs the notebook with
the gopherprop kernel through nbclient and stamps each code cell with the
SHA-256 of the code that produced its outputs (see code_hash), so that a
check can tell when committed outputs are stale.

Run with Debian's Python (/usr/bin/python3) and its python3-nbformat and
python3-nbclient packages.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(HERE, "src")

KERNEL_NAME = "gopherprop"
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Go (gopherprop)", "language": "go"}
LANGUAGE_INFO = {"name": "go", "file_extension": ".go", "mimetype": "text/x-go"}

# The one switch for CI: notebook 03 trains on this many samples instead of
# the full run. Other notebooks read it to shorten their loops too.
CI_ENV = {"GOPHERPROP_MNIST_SAMPLES": "3000"}

SPLIT = "<!-- cell -->"
FENCE_OPEN = re.compile(r"^```go\s*$")
FENCE_CLOSE = re.compile(r"^```\s*$")


def names():
    """The notebook names (src/NAME.md), in order."""
    return sorted(f[:-3] for f in os.listdir(SRC) if f.endswith(".md"))


def parse(text, where="source"):
    """Split a literate Markdown text into [(cell_type, source)]."""
    cells = []
    md = []
    code = None

    def flush_md():
        s = "\n".join(md).strip("\n")
        if s.strip():
            cells.append(("markdown", s))
        md.clear()

    for n, line in enumerate(text.split("\n"), 1):
        if code is not None:
            if FENCE_CLOSE.match(line):
                cells.append(("code", "\n".join(code).strip("\n")))
                code = None
            else:
                code.append(line)
            continue
        if FENCE_OPEN.match(line):
            flush_md()
            code = []
        elif line.strip() == SPLIT:
            flush_md()
        else:
            md.append(line)
    if code is not None:
        raise ValueError(f"{where}: a ```go block is not closed")
    flush_md()
    return cells


def code_hash(source):
    """The hash stamped on an executed code cell: SHA-256 of its source."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def notebook_code_hash(cells):
    """SHA-256 of all code cells' sources in order: the outputs of a cell
    also depend on the code before it."""
    h = hashlib.sha256()
    for c in cells:
        if c.cell_type == "code":
            h.update(c.source.encode("utf-8"))
            h.update(b"\0")
    return h.hexdigest()


def cell_id(name, i, kind):
    return f"{name[:2]}-{i:02d}-{kind[0]}"


def build(name, old=None):
    """Return the notebook for src/NAME.md. Code cells whose source equals
    the code cell at the same position of old keep its outputs."""
    path = os.path.join(SRC, name + ".md")
    with open(path, encoding="utf-8") as f:
        cells = parse(f.read(), path)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    old_code = [c for c in old.cells if c.cell_type == "code"] if old is not None else []
    k = 0
    for i, (kind, src) in enumerate(cells):
        if kind == "markdown":
            c = nbformat.v4.new_markdown_cell(src)
        else:
            c = nbformat.v4.new_code_cell(src)
            if k < len(old_code) and old_code[k].source == src:
                c.outputs = old_code[k].outputs
                c.execution_count = old_code[k].execution_count
                if "gopherprop" in old_code[k].metadata:
                    c.metadata["gopherprop"] = old_code[k].metadata["gopherprop"]
            k += 1
        c.id = cell_id(name, i, kind)
        nb.cells.append(c)
    if old is not None and "gopherprop" in old.metadata:
        nb.metadata["gopherprop"] = old.metadata["gopherprop"]
    nbformat.validate(nb)
    return nb


def ipynb_path(name):
    return os.path.join(HERE, name + ".ipynb")


def read(name):
    p = ipynb_path(name)
    if not os.path.exists(p):
        return None
    return nbformat.read(p, as_version=4)


def write(nb, path):
    nbformat.validate(nb)
    with open(path, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)


def build_kernel(tmp, binary=None):
    """Build the gopherprop binary (unless binary is given) and write a
    kernelspec for it under tmp; return the JUPYTER_PATH entry to use."""
    if binary is None:
        binary = os.path.join(tmp, "gopherprop")
        # -trimpath, as install/setup.sh builds it: %%compile needs it.
        subprocess.run(["go", "build", "-trimpath", "-o", binary, "."], cwd=ROOT, check=True)
    kdir = os.path.join(tmp, "jupyter", "kernels", KERNEL_NAME)
    os.makedirs(kdir, exist_ok=True)
    spec = {
        "argv": [os.path.abspath(binary), "kernel", "{connection_file}"],
        "display_name": KERNELSPEC["display_name"],
        "language": "go",
        "interrupt_mode": "message",
    }
    with open(os.path.join(kdir, "kernel.json"), "w") as f:
        json.dump(spec, f, indent=1)
    return os.path.join(tmp, "jupyter")


def execute(nb, jupyter_path, env=None, timeout=1800, log=sys.stderr):
    """Run every code cell of nb in order with the gopherprop kernel
    (through nbclient, in the notebooks directory) and stamp the code
    hashes. env is added to the kernel's environment. Raises
    nbclient.exceptions.CellExecutionError on the first failing cell."""
    from nbclient import NotebookClient

    old_env = dict(os.environ)
    os.environ["JUPYTER_PATH"] = jupyter_path + (os.pathsep + old_env["JUPYTER_PATH"] if old_env.get("JUPYTER_PATH") else "")
    for k, v in (env or {}).items():
        os.environ[k] = v
    try:
        client = NotebookClient(
            nb,
            kernel_name=KERNEL_NAME,
            timeout=timeout,
            startup_timeout=120,
            allow_errors=False,
            record_timing=False,
            resources={"metadata": {"path": HERE}},
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    stamp(nb)
    return nb


def stamp(nb):
    for c in nb.cells:
        if c.cell_type == "code":
            c.metadata["gopherprop"] = {"source_sha256": code_hash(c.source)}
    nb.metadata["gopherprop"] = {"code_sha256": notebook_code_hash(nb.cells)}
    # The kernel's own language_info may be richer; keep ours stable.
    nb.metadata["kernelspec"] = dict(KERNELSPEC)


def errors(nb):
    """Descriptions of the error outputs of nb's code cells."""
    out = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"cell {i} ({c.source.splitlines()[0] if c.source else ''}): {o.get('ename')}: {o.get('evalue')}")
    return out


def svg_without_png(nb):
    """Descriptions of the outputs of nb's code cells that hold an SVG
    picture without a PNG beside it: Jupyter shows no SVG in a notebook it
    does not trust (opened from disk and not yet run), so such pictures
    read as their text/plain fallback there."""
    out = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            data = o.get("data", {})
            if "image/svg+xml" in data and "image/png" not in data:
                first = c.source.splitlines()[0] if c.source else ""
                out.append(f"cell {i} ({first}): {o.get('output_type')} has image/svg+xml but no image/png")
    return out


def problems(name):
    """Everything wrong with the committed NAME.ipynb: invalid nbformat,
    out of date with src/NAME.md, unexecuted or stale code cells, error
    outputs, SVG pictures without a PNG. An empty list means it is fine."""
    p = ipynb_path(name)
    if not os.path.exists(p):
        return [f"{p} is missing: run notebooks/build.py --execute {name}"]
    try:
        nb = nbformat.read(p, as_version=4)
        nbformat.validate(nb)
    except Exception as e:  # nbformat raises several types
        return [f"{p}: not valid nbformat 4: {e}"]
    out = []
    if nb.nbformat != 4:
        out.append(f"{p}: nbformat {nb.nbformat}, want 4")
    want = build(name)
    got = [(c.cell_type, c.source) for c in nb.cells]
    exp = [(c.cell_type, c.source) for c in want.cells]
    if got != exp:
        for i, (g, e) in enumerate(zip(got, exp)):
            if g != e:
                out.append(f"{p}: cell {i} differs from src/{name}.md: run notebooks/build.py {name}")
                break
        else:
            out.append(f"{p}: has {len(got)} cells but src/{name}.md makes {len(exp)}: run notebooks/build.py {name}")
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        stamped = c.metadata.get("gopherprop", {}).get("source_sha256")
        if c.execution_count is None or stamped is None:
            out.append(f"{p}: code cell {i} was not executed: run notebooks/build.py --execute {name}")
        elif stamped != code_hash(c.source):
            out.append(f"{p}: code cell {i} changed since it was run (stale outputs): run notebooks/build.py --execute {name}")
    nbh = nb.metadata.get("gopherprop", {}).get("code_sha256")
    if nbh != notebook_code_hash(nb.cells) and not out:
        out.append(f"{p}: the code changed since the notebook was run (stale outputs): run notebooks/build.py --execute {name}")
    for e in errors(nb):
        out.append(f"{p}: error output in {e}")
    for e in svg_without_png(nb):
        out.append(f"{p}: picture unseen in an untrusted notebook, {e}: run notebooks/build.py --execute {name}")
    return out


def tempdir():
    return tempfile.mkdtemp(prefix="gopherprop-nb-")


def rmtree(d):
    shutil.rmtree(d, ignore_errors=True)
