"""A function's environment is visible to the thread running it, and to no other thread."""

from __future__ import annotations

import os
import threading

from embedded_aws.compat.lambda_runtime import _sandbox


def read_in_other_thread(key: str) -> str | None:
    seen: list[str | None] = []
    reader = threading.Thread(target=lambda: seen.append(os.environ.get(key)))
    reader.start()
    reader.join()
    return seen[0]


def test_given_sandbox_when_other_thread_reads_then_it_sees_the_process_environment():
    with _sandbox({"LATTICE_TEST_ONLY": "function"}, []):
        inside = os.environ.get("LATTICE_TEST_ONLY")
        other = read_in_other_thread("LATTICE_TEST_ONLY")

    assert (inside, other) == ("function", None)
    assert "LATTICE_TEST_ONLY" not in os.environ


def test_given_sandbox_when_handler_sets_and_deletes_then_process_environment_is_untouched():
    os.environ["LATTICE_TEST_KEEP"] = "process"
    try:
        with _sandbox({}, []):
            del os.environ["LATTICE_TEST_KEEP"]
            os.environ["LATTICE_TEST_NEW"] = "function"
            inside = ("LATTICE_TEST_KEEP" in os.environ, dict(os.environ)["LATTICE_TEST_NEW"])
            other = read_in_other_thread("LATTICE_TEST_KEEP")

        assert inside == (False, "function")
        assert other == "process"
        assert os.environ["LATTICE_TEST_KEEP"] == "process"
        assert "LATTICE_TEST_NEW" not in os.environ
    finally:
        os.environ.pop("LATTICE_TEST_KEEP", None)
