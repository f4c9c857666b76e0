"""jupyter_kernel_test conformance suite for the gopherprop kernel.

Run with Debian's Python (it sees python3-jupyter-kernel-test 0.4.5):

    /usr/bin/python3 tests/kernel/test_conformance.py

Running the file directly fails if any of the 12 KernelTests tests (or
subtests) is skipped. The kernelspec name comes from $GOPHERPROP_KERNEL_NAME
(default "gopherprop"); tests/kernel/run.sh installs it in a temporary
JUPYTER_PATH.
"""

import os
import sys
import unittest

import jupyter_kernel_test as jkt


class GopherpropKernelTests(jkt.KernelTests):
    kernel_name = os.environ.get("GOPHERPROP_KERNEL_NAME", "gopherprop")
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'import "fmt"\nfmt.Println("hello, world")'
    code_stderr = 'import "os"\nos.Stderr.WriteString("oops\\n")'

    completion_samples = [
        # Matches are bare names: cursor_start is just after the dot.
        {"text": "fmt.Sprin", "matches": {"Sprint", "Sprintf", "Sprintln"}},
    ]
    complete_code_samples = ["x := 1", "func f() int { return 1 }"]
    incomplete_code_samples = ["func f() {", "x := []int{1,"]
    invalid_code_samples = ["x := )"]

    code_page_something = "?fmt.Println"
    code_generate_error = 'panic("boom")'
    code_execute_result = [
        {"code": "1+2", "result": "3"},
        {"code": '"a"+"b"', "result": '"ab"'},
    ]
    code_display_data = [
        {"code": 'display.HTML("<b>x</b>")', "mime": "text/html"},
    ]
    code_history_pattern = "1?2"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "fmt.Println"
    code_clear_output = "display.Clear(false)"


EXPECTED_TESTS = 12


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(GopherpropKernelTests)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    problems = []
    if result.testsRun != EXPECTED_TESTS:
        problems.append("ran %d tests, expected %d" % (result.testsRun, EXPECTED_TESTS))
    if result.skipped:
        problems.append("skipped: %s" % ", ".join("%s (%s)" % (t.id(), why) for t, why in result.skipped))
    if not result.wasSuccessful():
        problems.append("%d failures, %d errors" % (len(result.failures), len(result.errors)))
    if problems:
        print("CONFORMANCE FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("conformance: all %d jupyter_kernel_test tests passed, none skipped" % result.testsRun)
    return 0


if __name__ == "__main__":
    sys.exit(main())
