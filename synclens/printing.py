"""Printing a dashboards page to PDF with headless Chromium.

Chromium is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: commands on its fd 3, answers on its fd 4,
each a JSON message ending in a NUL byte), so nothing but Chromium itself
is needed: open a tab, send the bearer token with every request the page
makes, load the page, wait until a JavaScript expression says it is drawn,
and ``Page.printToPDF``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["CANDIDATES", "PrintError", "find_chromium", "print_pdf"]

#: where Chromium is looked for when no path is given
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: the page's width in CSS pixels, and A4 landscape's printable width (0.4 in margins)
_WIDTH = 1280
_PRINTABLE_IN = 11.69 - 0.8


class PrintError(RuntimeError):
    """Chromium is missing, failed, or the page never became ready."""


def find_chromium(path: str | None = None) -> str:
    """``path``, or the first of :data:`CANDIDATES` on ``PATH``; PrintError says how to get one."""
    if path:
        if shutil.which(path) is None:
            raise PrintError(f"no Chromium at {path!r}")
        return path
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PrintError(
        "no Chromium found (looked for " + ", ".join(CANDIDATES) + " on PATH): install it "
        "(Debian: apt-get install chromium) or give its path with --chromium"
    )


class _Pipe:
    """One DevTools connection: numbered commands and their answers."""

    def __init__(self, to_browser: int, from_browser: int, proc: subprocess.Popen[bytes]) -> None:
        self._out, self._in, self._proc = to_browser, from_browser, proc
        self._buffer = b""
        self._next = 0

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise PrintError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise PrintError(f"Chromium exited (status {self._proc.poll()})")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        found: dict[str, Any] = json.loads(raw)
        return found

    def call(
        self, method: str, session: str | None = None, timeout: float = 60.0, **params: Any
    ) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._message(deadline)
            if answer.get("id") != self._next:
                continue  # an event, or the answer to nothing we wait for
            if "error" in answer:
                raise PrintError(f"{method}: {answer['error'].get('message')}")
            result: dict[str, Any] = answer.get("result", {})
            return result


def _launch(chromium: str, profile: str) -> tuple[subprocess.Popen[bytes], int, int]:
    commands_r, commands_w = os.pipe()
    answers_r, answers_w = os.pipe()

    def fds() -> None:  # in the child: the pipe ends as its fd 3 and fd 4
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_r, answers_w)]
        os.dup2(high[0], 3)
        os.dup2(high[1], 4)

    args = [
        chromium,
        "--headless=new",
        "--remote-debugging-pipe",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={_WIDTH},1600",
        "about:blank",
    ]
    proc = subprocess.Popen(
        args,
        # the child closes every other descriptor after ``fds`` ran: keep 3 and 4
        pass_fds=(3, 4),
        preexec_fn=fds,  # dup2 only, before exec
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(commands_r)
    os.close(answers_w)
    return proc, commands_w, answers_r


def print_pdf(
    url: str,
    out: Path,
    *,
    ready: str,
    token: str | None = None,
    chromium: str | None = None,
    timeout: float = 120.0,
) -> int:
    """Load ``url``, wait until the JavaScript expression ``ready`` is
    ``"ready"`` (any other non-empty string is an error message to raise),
    print the page to ``out`` (A4 landscape); returns the PDF's size in bytes."""
    binary = find_chromium(chromium)
    profile = tempfile.mkdtemp(prefix="synclens-print-")
    proc, to_browser, from_browser = _launch(binary, profile)
    try:
        pipe = _Pipe(to_browser, from_browser, proc)
        target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
        session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        if token:
            pipe.call("Network.enable", session)
            headers = {"Authorization": f"Bearer {token}"}
            pipe.call("Network.setExtraHTTPHeaders", session, headers=headers)
        pipe.call("Page.enable", session)
        pipe.call("Page.navigate", session, url=url)
        deadline = time.monotonic() + timeout
        while True:
            state = pipe.call(
                "Runtime.evaluate", session, expression=ready, returnByValue=True
            ).get("result", {})
            value = state.get("value")
            if value == "ready":
                break
            if isinstance(value, str) and value:
                raise PrintError(value)
            if time.monotonic() > deadline:
                raise PrintError(f"{url} was not drawn after {timeout:g} s")
            time.sleep(0.25)
        pdf = pipe.call(
            "Page.printToPDF",
            session,
            timeout=timeout,
            landscape=True,
            printBackground=True,
            paperWidth=8.27,
            paperHeight=11.69,
            marginTop=0.4,
            marginBottom=0.4,
            marginLeft=0.4,
            marginRight=0.4,
            scale=round(_PRINTABLE_IN * 96 / _WIDTH, 3),
        )
        data = base64.b64decode(pdf["data"])
        out.write_bytes(data)
        with contextlib.suppress(PrintError):  # it closes anyway as we stop it below
            pipe.call("Browser.close", timeout=10)
        return len(data)
    finally:
        os.close(to_browser)
        os.close(from_browser)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
