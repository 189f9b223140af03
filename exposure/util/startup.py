"""Start-up: two numpy submodules that exposure never uses load only when something uses them.

scipy.sparse's array-API layer (``scipy._lib.array_api_compat.numpy``) reads every public
attribute of numpy, and numpy imports a submodule when its attribute is first read, so
importing scipy.sparse imports ``numpy.f2py`` (a Fortran wrapper generator) and
``numpy.testing``, a noticeable part of the start-up of a command that answers quickly, such
as ``exposure report --supplier`` on a small data set. Before scipy is imported, they are
registered as lazy modules (:class:`importlib.util.LazyLoader`, the standard library's way to
defer an import): each is imported, as it would have been, the first time one of its
attributes is read. Where one is imported already (scipy was imported first), nothing changes.

Examples
--------
>>> import sys, numpy
>>> from numpy.testing import assert_equal  # a lazy module loads on first use
>>> assert_equal(numpy.testing.assert_equal, assert_equal)
>>> type(sys.modules["numpy.testing"]).__name__
'module'
"""

from __future__ import annotations

import importlib.util
import sys

import numpy

#: Submodules that numpy would import for scipy.sparse and that exposure does not use.
UNUSED_NUMPY_MODULES = ("numpy.f2py", "numpy.testing")


def defer_unused_numpy_modules() -> None:
    """Register :data:`UNUSED_NUMPY_MODULES` as lazy modules, unless they are imported already."""
    for name in UNUSED_NUMPY_MODULES:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        setattr(numpy, name.rpartition(".")[2], module)


defer_unused_numpy_modules()
