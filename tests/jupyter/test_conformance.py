"""jupyter_kernel_test's conformance suite, subclassed for this kernel and run against the
fake ksqlDB server."""
import os
import unittest

import jupyter_kernel_test as jkt

import harness


class _WithFakeServer:
    @classmethod
    def setUpClass(cls):
        cls.fake = harness.FakeServer("current")
        os.environ["KSQLDB_URL"] = cls.fake.url
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.environ.pop("KSQLDB_URL", None)
        cls.fake.stop()


class KsqlKernelConformance(_WithFakeServer, jkt.KernelTests):
    kernel_name = harness.KERNEL_NAME
    language_name = "ksql"
    file_extension = ".sql"

    code_hello_world = "%echo hello, world"
    # A client-side warning goes to stderr.
    code_stderr = "UNDEFINE never_defined;"
    code_generate_error = "%no_such_magic"

    completion_samples = [
        # Only what is valid after SHOW (STREAM is not).
        {"text": "SHOW STREA", "matches": {"STREAMS"}},
        {"text": "select * from s where ucas", "matches": {"ucase"}},
    ]
    complete_code_samples = ["SHOW STREAMS;", "%help", "SELECT ';' FROM s; -- done", "SHOW TABLES;\n%session"]
    incomplete_code_samples = ["SELECT * FROM s", "SELECT 'abc;", "SHOW STREAMS; /* open"]

    code_execute_result = [
        {"code": "%rows 25", "result": "Query results now show at most 25 rows."},
    ]
    code_display_data = [
        {"code": "%session", "mime": "text/html"},
        {"code": "SHOW STREAMS;\nSHOW TABLES;", "mime": "text/html"},
    ]
    code_history_pattern = "%rows*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "LATEST_BY_OFFSET"
    code_page_something = "%doc ABS"
    code_clear_output = "%clear"


class KsqlKernelIopubWelcome(_WithFakeServer, jkt.IopubWelcomeTests):
    kernel_name = harness.KERNEL_NAME
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
