"""Drive `jupyter console` non-interactively against the gopherprop kernel.

    /usr/bin/python3 tests/kernel/console_test.py [KERNEL_NAME]

It pipes cells into `jupyter console --simple-prompt` and checks the
printed output and the execute result.
"""

import os
import subprocess
import sys


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GOPHERPROP_KERNEL_NAME", "gopherprop")
    cells = 'import "fmt"\nfmt.Println("hello, world")\n1+2\n'
    p = subprocess.run(
        [sys.executable, "-m", "jupyter_console", "--simple-prompt", "--kernel=" + name],
        input=cells, capture_output=True, text=True, timeout=120,
    )
    out = p.stdout
    problems = []
    if p.returncode != 0:
        problems.append("exit status %d" % p.returncode)
    if "hello, world" not in out:
        problems.append("missing stream output 'hello, world'")
    if "Out[3]: 3" not in out:
        problems.append("missing 'Out[3]: 3'")
    if "Shutting down kernel" not in out:
        problems.append("console did not shut the kernel down")
    if problems:
        print("CONSOLE FAILED: %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % ("; ".join(problems), out, p.stderr),
              file=sys.stderr)
        return 1
    print("console: jupyter console ran cells and printed the results")
    return 0


if __name__ == "__main__":
    sys.exit(main())
