"""Writing output files all at once: a temporary file beside the target, then a rename.

Until the rename, a file already at the target stays as it was; after an error or an
interruption (Ctrl-C) no temporary is left behind. :func:`write_atomic` writes text or bytes it
is given whole; :func:`open_atomic` gives a file to write piece by piece, for output too large
to hold in memory (the JSON report of every supplier of a large graph).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO, cast

from exposure.errors import ExposureError

__all__ = ["open_atomic", "open_atomic_bytes", "refuse_inputs", "write_atomic"]

#: Bytes gathered before each write to the temporary file.
BUFFER = 1 << 20


def write_atomic(path: str | Path, data: str | bytes, *, inputs: tuple[Path, ...] = ()) -> Path:
    """Write ``data`` to ``path`` all at once: a temporary file, then a rename.

    No half-written file is left behind after an error or an interruption (Ctrl-C): until the
    rename, a file already at ``path`` stays as it was. The new file gets the permissions a
    newly created file gets (or those of the file it replaces).

    Parameters
    ----------
    path
        Where to write.
    data
        Text (written as UTF-8) or bytes.
    inputs
        Files the output must not replace.

    Raises
    ------
    ExposureError
        When ``path`` is one of ``inputs`` (also through a link), or cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.json"
    >>> write_atomic(out, "[]").read_text()
    '[]'
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with _atomic(Path(path), inputs, "wb") as handle:
        handle.write(payload)
    return Path(path)


@contextlib.contextmanager
def open_atomic(path: str | Path, *, inputs: tuple[Path, ...] = ()) -> Iterator[TextIO]:
    """Open a text file (UTF-8, ``\\n`` line ends) that replaces ``path`` when the block ends.

    The promise of :func:`write_atomic`, for output written piece by piece: until the block
    ends without an exception, a file already at ``path`` stays as it was; after an exception
    (Ctrl-C too) nothing is left behind.

    Parameters
    ----------
    path
        Where to write.
    inputs
        Files the output must not replace.

    Raises
    ------
    ExposureError
        When ``path`` is one of ``inputs`` (also through a link), or cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.json"
    >>> with open_atomic(out) as handle:
    ...     _ = handle.write("[")
    ...     _ = handle.write("]")
    >>> out.read_text()
    '[]'
    """
    with _atomic(Path(path), inputs, "w") as handle:
        yield cast(TextIO, handle)


@contextlib.contextmanager
def open_atomic_bytes(path: str | Path, *, inputs: tuple[Path, ...] = ()) -> Iterator[BinaryIO]:
    """Open a file for bytes that replaces ``path`` when the block ends, as :func:`open_atomic`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "graph.bin"
    >>> with open_atomic_bytes(out) as handle:
    ...     _ = handle.write(b"graph")
    >>> out.read_bytes()
    b'graph'
    """
    with _atomic(Path(path), inputs, "wb") as handle:
        yield cast(BinaryIO, handle)


@contextlib.contextmanager
def _atomic(path: Path, inputs: tuple[Path, ...], mode: str) -> Iterator[IO[Any]]:
    refuse_inputs(path, inputs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = stat.S_IMODE(path.stat().st_mode) if path.is_file() else None
        temporary, fd = _create_temporary(path)
    except OSError as error:
        msg = f"cannot write {path}: {error.strerror or error}. Choose a file in a folder you can write to"
        raise ExposureError(msg) from None
    # Text: UTF-8 and "\n" kept as "\n" on every system, as the bytes write_atomic writes.
    text = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
    try:
        with os.fdopen(fd, mode, buffering=BUFFER, **text) as handle:  # type: ignore[call-overload]
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if existing is not None:
            os.chmod(temporary, existing)
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            msg = f"cannot write {path}: {error.strerror or error}. Nothing was written"
            raise ExposureError(msg) from None
        raise


def refuse_inputs(path: Path, inputs: tuple[Path, ...]) -> None:
    """Raise when writing ``path`` would change an input.

    That is the input file itself, or any file inside an input folder (a Parquet dataset, read
    as one table of all its files).

    Examples
    --------
    >>> refuse_inputs(Path("out.png"), (Path("sales.parquet"),))
    """
    for source in map(Path, inputs):
        if _same_file(path, source):
            msg = f"{path} is one of the input files; refusing to write over it. Choose another output name"
            raise ExposureError(msg)
        if source.is_dir() and _inside(path, source):
            msg = (
                f"{path} is inside the input folder {source}, whose files are read as one table;"
                " refusing to write there. Choose a file outside it"
            )
            raise ExposureError(msg)


def _inside(path: Path, folder: Path) -> bool:
    """Tell whether ``path`` lies inside ``folder``, through links too.

    Folders are compared as the file system sees them: on one that ignores case (macOS's),
    ``SALES.parquet/out.csv`` lies inside ``sales.parquet``.
    """
    target = folder.resolve()
    return any(p == target or _same_file(p, folder) for p in path.resolve().parents)


def _same_file(path: Path, source: Path) -> bool:
    """Tell whether two paths name one file (through links too).

    A path through a folder not made yet ("new/../listed.csv") names the file it comes to
    once the folder is made: compared as resolved.
    """
    try:
        if path.exists() and source.exists():
            return os.path.samefile(path, source)
    except OSError:
        pass
    return path.resolve() == source.resolve()


def _create_temporary(path: Path) -> tuple[Path, int]:
    """Create an empty temporary file beside ``path``, readable as a new file would be."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return temporary, os.open(temporary, flags, 0o666)  # the umask applies
        except FileExistsError:
            continue
    msg = f"no free temporary name beside {path}"  # pragma: no cover - 100 collisions
    raise FileExistsError(msg)  # pragma: no cover
