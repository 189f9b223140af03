"""Work spread over the cores: the same answers in order, whatever happens to the workers."""

from __future__ import annotations

import multiprocessing
import os
import sys

import pytest

from exposure.util.workers import in_processes

on_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="workers are forked only on Linux"
)


@on_linux
def test_results_come_in_the_order_of_the_tasks_from_other_processes() -> None:
    parent = os.getpid()
    found = list(in_processes(lambda n: (n * n, os.getpid() != parent), range(6), processes=2))
    assert [square for square, _ in found] == [0, 1, 4, 9, 16, 25]
    assert all(elsewhere for _, elsewhere in found)


@on_linux
def test_tasks_of_a_worker_that_dies_are_done_in_the_calling_process() -> None:
    parent = os.getpid()

    def square_or_die(n: int) -> int:
        if os.getpid() != parent and n == 3:
            os._exit(1)  # a worker killed, as the system's memory killer would
        return n * n

    assert list(in_processes(square_or_die, list(range(6)), processes=2)) == [0, 1, 4, 9, 16, 25]


def test_a_daemonic_process_does_its_tasks_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    parent = os.getpid()
    assert set(in_processes(lambda _: os.getpid(), range(4), processes=2)) == {parent}
