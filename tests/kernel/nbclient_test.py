"""Execute tests/kernel/testdata/smoke.ipynb with nbclient and check outputs.

    /usr/bin/python3 tests/kernel/nbclient_test.py [KERNEL_NAME]
"""

import os
import sys

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GOPHERPROP_KERNEL_NAME", "gopherprop")
    nb = nbformat.read(os.path.join(HERE, "testdata", "smoke.ipynb"), as_version=4)
    NotebookClient(nb, kernel_name=name, timeout=60).execute()
    c = nb.cells
    problems = []
    out0 = c[0].outputs
    if [(o.output_type, o.get("name"), o.get("text")) for o in out0] != [("stream", "stdout", "hello, world\n")]:
        problems.append("cell 1 outputs %r" % out0)
    out1 = c[1].outputs
    if len(out1) != 1 or out1[0].output_type != "execute_result" or out1[0].data.get("text/plain") != "3" \
            or out1[0].execution_count != 2:
        problems.append("cell 2 outputs %r" % out1)
    out2 = c[2].outputs
    if not any(o.output_type == "display_data" and o.data.get("text/html") == "<b>x</b>" for o in out2):
        problems.append("cell 3 outputs %r" % out2)
    if problems:
        print("NBCLIENT FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("nbclient: smoke.ipynb ran with the expected outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
