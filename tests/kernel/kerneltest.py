"""Shared helpers of the kernel tests that run cells through jupyter_client
(display_test.py, widget_test.py, compiled_test.py, test_gobehave.py) and of
bench/notebook_step.py.

The test scripts import it as a sibling module: Python puts the running
script's directory (tests/kernel) first on sys.path, which is how run.sh
runs them. Needs Debian's jupyter_client (/usr/bin/python3).
"""

import os
import unittest

from jupyter_client.manager import start_new_kernel

# The kernelspec's name, installed by tests/kernel/lib.sh.
KERNEL_NAME = os.environ.get("GOPHERPROP_KERNEL_NAME", "gopherprop")
# Seconds per cell; generous for a loaded CI machine.
TIMEOUT = 30


class KernelTestCase(unittest.TestCase):
    """A test class served by one kernel (cls.km, cls.kc), started once for
    the class: cells share state the way notebook cells do, so each test
    uses its own names."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name=KERNEL_NAME)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)


def execute(kc, code, timeout=TIMEOUT, streams=("stdout", "stderr")):
    """Executes code with client kc and collects what it outputs.

    Returns (reply content, text of the streams named in streams, text/plain
    of the execute_result, list of "ename: evalue" of the error messages).
    """
    out, result, errors = [], [], []

    def hook(msg):
        t, c = msg["msg_type"], msg["content"]
        if t == "stream" and c["name"] in streams:
            out.append(c["text"])
        elif t == "execute_result":
            result.append(c["data"].get("text/plain", ""))
        elif t == "error":
            errors.append("%s: %s" % (c.get("ename"), c.get("evalue")))

    reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    return reply["content"], "".join(out), "".join(result), errors
