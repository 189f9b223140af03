"""What fresh memory costs on this machine: the kernel's side of the benchmark's figures.

Usage::

    .venv/bin/python -m bench.pages          # or: --gib 2 --rounds 4

Allocates and fills an array of ``--gib`` GiB, frees it and does it again, ``--rounds``
times, then the same while 2 GiB stay allocated. Each line gives the wall and system CPU time
of one round. Memory the process freed a moment before costs little to hand out again (the
kernel zeroes its pages: about 0.13 s per GiB on this project's 2-core VM). On a virtual
machine whose host backs guest memory lazily, or takes freed memory back, memory the guest has
not used recently costs much more (seen on that VM: 0.9 to 3.9 s per GiB in a first round,
nearly all of it system time). The benchmark records each stage's
system time beside its wall time (``bench/stages.py``), so such a machine's share can be told
apart from exposure's own work.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def touch(gib: float) -> tuple[float, float]:
    """Allocate and fill ``gib`` GiB; return the wall and system seconds it took."""
    before, started = os.times().system, time.perf_counter()
    block = np.ones(int(gib * 2**30) // 8)
    seconds, system = time.perf_counter() - started, os.times().system - before
    del block
    return seconds, system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for label, kept in (("alone", 0), ("with 2 GiB kept", 2)):
        held = np.ones(kept * 2**30 // 8) if kept else None
        for round_ in range(1, args.rounds + 1):
            seconds, system = touch(args.gib)
            print(
                f"{label}, round {round_}: {args.gib:g} GiB allocated and filled in "
                f"{seconds:.2f} s ({system:.2f} s system), {seconds / args.gib:.2f} s per GiB"
            )
        del held


if __name__ == "__main__":
    main()
