"""The interactive HTML view: self-contained, escaped, and working in a real headless Chromium.

The browser is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``),
so the test needs no network port and no extra package. ``make test`` installs Debian's
``chromium`` when it is missing; without it the browser tests are skipped, saying why.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import exposure
from exposure.cli import cli
from exposure.render.html import to_html
from tests.conftest import MakeData, listing, sale

EVIL = "<script>alert(1)</script> & Co"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not found: `make test` installs it (apt-get install chromium)",
)


def test_the_page_is_self_contained_and_escapes_names(make_data: MakeData) -> None:
    folder = make_data([listing("Listed Co")], [sale(EVIL, "Listed Co", 0.2, product="</script>")])
    page = to_html(exposure.analyze(exposure.load(folder), as_of="2020-01-01"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert page.count("</script>") == 2  # the data block and the code, nothing from the data
    assert "default-src 'none'" in page  # the browser may fetch nothing
    for external in ("<link", " src=", 'href="http', "url(http", "@import"):
        assert external not in page


def test_render_html_writes_one_file(tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    done = CliRunner().invoke(cli, ["render", "-o", str(out), "--as-of", "2019-10-09"])
    assert done.exit_code == 0, done.output
    assert [p.name for p in tmp_path.iterdir()] == ["net.html"]
    assert (
        "Exposure to the Entity List (84 FR 22961, 84 FR 54002) as of 2019-10-09" in out.read_text()
    )


class Browser:
    """A headless Chromium spoken to through the DevTools protocol over a pipe."""

    def __init__(self, profile: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def plumb() -> None:  # the protocol runs on the child's fds 3 (in) and 4 (out)
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.process = subprocess.Popen(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--window-size=1200,800",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=plumb,  # noqa: PLW1509 - dup2 only, before exec
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def send(self, method: str, timeout: float = 20, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(self._read(deadline))

    def _read(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_child], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise ConnectionError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(message))

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in reply, reply
        return reply["result"].get("value")

    def open(self, url: str) -> None:
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def problems(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:300])
            elif method == "Runtime.consoleAPICalled" and params["type"] in {"error", "assert"}:
                found.append(json.dumps(params["args"])[:300])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"][:300])
            elif method == "Page.javascriptDialogOpening":
                found.append(f"a dialog opened: {params['message']}")
        return found

    def close(self) -> None:
        with contextlib.suppress(TimeoutError, ConnectionError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child)
        os.close(self._from_child)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    started = Browser(tmp_path / "profile")
    try:
        yield started
    finally:
        started.close()


@needs_chromium
def test_the_page_works_in_headless_chromium(
    browser: Browser, make_data: MakeData, tmp_path: Path
) -> None:
    folder = make_data(
        [listing("Listed Co"), listing("Other Listed")],
        [
            sale(EVIL, "Distributor", 0.5, product="wafers"),
            sale("Distributor", "Listed Co", 0.4, product="cameras"),
            sale("Maker", "Other Listed", product="chips"),
            sale("Maker", "Shop", product="chips"),
        ],
    )
    page = tmp_path / "net.html"
    done = CliRunner().invoke(
        cli, ["render", "-o", str(page), "--data", str(folder), "--as-of", "2020-01-01"]
    )
    assert done.exit_code == 0, done.output
    browser.open(page.as_uri())

    assert browser.problems() == []
    assert browser.evaluate("document.body.getAttribute('data-nodes')") == "6"
    labels = browser.evaluate(
        "[...document.querySelectorAll('.node text')].map(t => t.textContent)"
    )
    assert sorted(labels) == sorted(
        [EVIL, "Distributor", "Listed Co", "Maker", "Other Listed", "Shop"]
    )
    assert browser.evaluate("document.querySelectorAll('script').length") == 2  # no injected one
    fill = browser.evaluate("getComputedStyle(document.querySelector('.node.listed rect')).fill")
    assert fill == "rgb(178, 24, 43)"  # the picture's colour of listed entities

    # Hover over the supplier with the awkward name: its details, with its exposure path.
    x, y = browser.evaluate(
        "(() => { const r = document.querySelectorAll('.node')[0].querySelector('path')"
        ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    )
    browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    tip = browser.evaluate("document.getElementById('tip').innerText")
    assert browser.evaluate("getComputedStyle(document.getElementById('tip')).display") == "block"
    assert EVIL in tip
    assert f"{EVIL} → Distributor → Listed Co (wafers)" in tip
    assert "Revenue at risk" in tip
    assert "20.0%" in tip

    # Zoom with the wheel and pan with a drag: the drawing's transform follows.
    before = browser.evaluate("document.getElementById('view').getAttribute('transform')")
    browser.send("Input.dispatchMouseEvent", type="mouseWheel", x=600, y=500, deltaX=0, deltaY=-400)
    zoomed = browser.evaluate("document.getElementById('view').getAttribute('transform')")
    assert zoomed != before
    for kind, px in (("mousePressed", 600), ("mouseMoved", 700), ("mouseReleased", 700)):
        browser.send(
            "Input.dispatchMouseEvent",
            type=kind,
            x=px,
            y=500,
            button="left",
            buttons=1,
            clickCount=1,
        )
    assert browser.evaluate("document.getElementById('view').getAttribute('transform')") != zoomed

    browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=5, y=5)
    shot = browser.send("Page.captureScreenshot", format="png")["data"]
    (tmp_path / "screenshot.png").write_bytes(base64.b64decode(shot))
    assert browser.problems() == []


@needs_chromium
def test_the_bundled_network_shows_every_company_without_errors(
    browser: Browser, tmp_path: Path
) -> None:
    page = tmp_path / "net.html"
    result = exposure.analyze(exposure.load(), as_of="2019-10-09")
    page.write_text(to_html(result), encoding="utf-8")
    browser.open(page.as_uri())
    assert browser.problems() == []
    # Every company of the supply data and every listed entity it reaches.
    edges = result.graph.edges
    traded = set(edges["src"].tolist()) | set(edges["dst"].tolist())
    assert browser.evaluate("document.body.getAttribute('data-nodes')") == str(len(traded))
    # Every name is drawn inside the window at first sight.
    inside = browser.evaluate(
        "[...document.querySelectorAll('.node text')].every(t => {"
        " const r = t.getBoundingClientRect();"
        " return r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight; })"
    )
    assert inside is True
    screenshot = os.environ.get("EXPOSURE_SCREENSHOT")
    if screenshot:  # for a person to look at: EXPOSURE_SCREENSHOT=shot.png pytest ...
        data = browser.send("Page.captureScreenshot", format="png")["data"]
        Path(screenshot).write_bytes(base64.b64decode(data))
