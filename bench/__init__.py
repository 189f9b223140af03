"""Benchmarks of exposure on synthetic supply graphs (see ``bench/README.md``)."""
