"""Interrupt and restart through jupyter_client, as a front end does them.

    /usr/bin/python3 tests/kernel/interrupt_test.py [KERNEL_NAME]

Runs `for {}`, interrupts it (interrupt_mode "message" sends
interrupt_request on control), checks the error reply, that the kernel is
alive and still executes, then restarts it and shuts it down.
"""

import os
import sys
import time

from jupyter_client.manager import start_new_kernel


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GOPHERPROP_KERNEL_NAME", "gopherprop")
    km, kc = start_new_kernel(kernel_name=name)
    problems = []
    try:
        msg_id = kc.execute("for {}")
        time.sleep(1.0)
        t0 = time.time()
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=10)
        dt = time.time() - t0
        if reply["parent_header"].get("msg_id") != msg_id or reply["content"]["status"] != "error":
            problems.append("interrupted cell reply %r" % reply["content"])
        if not km.is_alive():
            problems.append("kernel died on interrupt")
        r = kc.execute_interactive("1+2", timeout=10, output_hook=lambda m: None)
        if r["content"]["status"] != "ok":
            problems.append("execute after interrupt: %r" % r["content"])
        t1 = time.time()
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=30)
        restart = time.time() - t1
        r = kc.execute_interactive("1+2", timeout=10, output_hook=lambda m: None)
        if r["content"]["status"] != "ok" or r["content"]["execution_count"] != 1:
            problems.append("execute after restart: %r" % r["content"])
        print("interrupt: reply after %.1f ms; restart took %.0f ms" % (dt * 1000, restart * 1000))
    finally:
        kc.stop_channels()
        t2 = time.time()
        km.shutdown_kernel(now=False)
        print("shutdown took %.0f ms" % ((time.time() - t2) * 1000))
    if problems:
        print("INTERRUPT TEST FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
