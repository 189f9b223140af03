"""exposure: which suppliers an export-control listing reaches, through whom, and how much.

The public API, for scripts and notebooks::

    data = exposure.load()                         # the bundled data, or load("my/folder")
    result = exposure.analyze(data, as_of="2019-10-09")
    result.suppliers                               # DataFrame, most exposed first
    result.paths("Ambarella")                      # the material paths, heaviest first
    exposure.plot_exposure(result)                 # the picture, as (fig, ax)

Examples
--------
>>> import exposure
>>> result = exposure.analyze(exposure.load(), as_of="2019-11-01")
>>> result.supplier("Ambarella")["tier"]
1
"""

# First, before scipy is imported: see exposure/util/startup.py.
import exposure.util.startup  # noqa: F401
from exposure.cache import load_graph
from exposure.changes import diff_table as compare
from exposure.errors import (
    AmbiguousNameError,
    DataError,
    ExposureError,
    Problem,
    UnknownNameError,
)
from exposure.graph import SupplyGraph, build_graph
from exposure.read.dataset import Dataset, load
from exposure.render.plot import plot_exposure
from exposure.result import Result, analyze
from exposure.version import __version__

__all__ = [
    "AmbiguousNameError",
    "DataError",
    "Dataset",
    "ExposureError",
    "Problem",
    "Result",
    "SupplyGraph",
    "UnknownNameError",
    "__version__",
    "analyze",
    "build_graph",
    "compare",
    "load",
    "load_graph",
    "plot_exposure",
]
