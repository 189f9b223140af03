"""polars, as exposure imports it, gives back the memory it frees (issue 6: peak memory)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# A fresh interpreter: jemalloc reads its settings once, as polars loads.
SCRIPT = """
import os
from exposure.util.polars_setup import import_polars
user_set = "_RJEM_MALLOC_CONF" in os.environ
pl = import_polars()
# Put back: programs started later do not inherit exposure's setting (polars itself adds its
# defaults before a setting of the user's).
assert user_set or "_RJEM_MALLOC_CONF" not in os.environ, os.environ["_RJEM_MALLOC_CONF"]

def resident_mib():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

start = resident_mib()
values = pl.Series("x", range(40_000_000)) * 2  # 305 MiB
held = resident_mib()
del values
print(round(held - start), round(resident_mib() - start))
"""


def _run_fresh(script: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter, with no allocator setting but ``extra_env``'s."""
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"} | extra_env
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    return done


def _held_and_kept(extra_env: dict[str, str]) -> tuple[int, int]:
    held, kept = (int(v) for v in _run_fresh(SCRIPT, extra_env).stdout.split())
    return held, kept


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_memory_polars_frees_goes_back_unless_the_user_configured_its_allocator() -> None:
    held, kept = _held_and_kept({})
    assert held > 250
    assert kept < held / 4  # given back at once
    # A setting of the user's own is left alone: here, never give memory back.
    held, kept = _held_and_kept({"_RJEM_MALLOC_CONF": "dirty_decay_ms:-1,muzzy_decay_ms:-1"})
    assert held > 250
    assert kept > held / 2


FAULTS = """
from exposure.util.polars_setup import import_polars
pl = import_polars()

def faults():
    with open("/proc/self/stat") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[7])  # minflt

start = faults()
values = pl.Series("x", range(40_000_000)) * 2  # two Series of 305 MiB
print(faults() - start)
"""


def _huge_pages_offered() -> bool:
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as handle:
            return "[never]" not in handle.read()
    except OSError:
        return False


@pytest.mark.skipif(not _huge_pages_offered(), reason="the system offers no transparent huge pages")
def test_polars_takes_fresh_memory_in_huge_pages_unless_the_user_configured_its_allocator() -> None:
    def fault_count(extra_env: dict[str, str]) -> int:
        done = _run_fresh(FAULTS, extra_env)
        assert done.stderr == ""  # jemalloc took the settings without a complaint
        return int(done.stdout)

    small_pages = 2 * 40_000_000 * 8 // 4096
    assert fault_count({}) < small_pages / 4
    # The user's own setting (here: no huge pages) is kept.
    assert fault_count({"_RJEM_MALLOC_CONF": "thp:never"}) > small_pages / 2
