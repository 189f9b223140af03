"""Fetch today's Consolidated Screening List, keeping a dated copy of each download.

Analysts screen against the list of the day. :func:`download_csl` fetches the CSL from its
public address (:data:`CSL_URL`, the International Trade Administration's keyless bulk file,
updated daily), writes it beside the user's data as ``csl-YYYY-MM-DD.csv`` (or ``.json``),
never half-written, and checks that it is a CSL file before keeping it. Two dated copies
are what ``exposure diff --from-list OLD --to-list NEW`` compares.

Nothing here runs unless asked: the tests serve the fixtures from a local server.
"""

from __future__ import annotations

import datetime as dt
import math
import urllib.error
import urllib.request
from pathlib import Path

from exposure.errors import ExposureError
from exposure.read.csl import is_csl
from exposure.util.atomic import open_atomic_bytes
from exposure.util.progress import advance, progress

__all__ = ["CSL_URL", "TIMEOUT", "dated_name", "download_csl"]

#: The CSL's public bulk download (no API key), as trade.gov publishes it.
CSL_URL = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"
#: Seconds to wait for the server to answer, or between two pieces of the file.
TIMEOUT = 60.0
_CHUNK = 1 << 20


def dated_name(url: str, day: dt.date) -> str:
    """Return the name a download of ``url`` on ``day`` is kept under.

    Examples
    --------
    >>> dated_name(CSL_URL, dt.date(2026, 12, 6))
    'csl-2026-12-06.csv'
    >>> dated_name("http://127.0.0.1:8000/consolidated.json?x=1", dt.date(2026, 12, 6))
    'csl-2026-12-06.json'
    """
    path = url.split("?", 1)[0].rstrip("/")
    suffix = ".json" if path.casefold().endswith(".json") else ".csv"
    return f"csl-{day.isoformat()}{suffix}"


def download_csl(
    folder: str | Path,
    *,
    url: str = CSL_URL,
    day: dt.date | None = None,
    timeout: float = TIMEOUT,
) -> Path:
    """Download the CSL into ``folder`` as ``csl-YYYY-MM-DD.csv`` and return its path.

    Parameters
    ----------
    folder
        Where the dated copies are kept (created if missing).
    url
        The address to fetch; default :data:`CSL_URL`.
    day
        The date in the file's name; default today.
    timeout
        Seconds to wait for an answer, or between two pieces of the file.

    Raises
    ------
    ExposureError
        In one line, when the address cannot be reached, answers with an error, or serves a
        file that is not a CSL (nothing is then kept).
    """
    target = Path(folder) / dated_name(url, day or dt.date.today())
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            size = int(answer.headers.get("Content-Length") or 0)
            pieces = max(1, math.ceil(size / _CHUNK))
            with progress("downloading the CSL", total=pieces), open_atomic_bytes(target) as out:
                while chunk := answer.read(_CHUNK):
                    out.write(chunk)
                    advance()
    except urllib.error.HTTPError as error:
        error.close()  # it holds the server's answer open
        msg = f"could not download the CSL from {url}: the server answered {error.code} {error.reason}"
        raise ExposureError(msg) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        msg = (
            f"could not download the CSL from {url} ({reason}). Check the connection, or "
            "download the file yourself and pass it as FILE"
        )
        raise ExposureError(msg) from None
    if not is_csl(target):
        target.unlink()
        msg = (
            f"the file at {url} is not a Consolidated Screening List (no CSL columns); nothing "
            "was kept. Check the address (--url)"
        )
        raise ExposureError(msg)
    return target
