"""Real browsers to render on from "elsewhere": Playwright browser servers and a CDP endpoint on 127.0.0.1.

A Playwright browser server is what ``chromium.launchServer()`` starts (the
Python API has no launch_server; Playwright's own CLI ``launch-server`` is
that call, run by Playwright's bundled Node). Each runs in a process group of
its own, ended by its id when the test is done.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from pytest_linkrules.crawl.browser import LAUNCH_ARGS, candidates


def _executable() -> str | None:
    return candidates(None)[0].path


class BrowserProcess:
    """One browser process (a Playwright browser server or a Chromium with a CDP port); ``endpoint`` says where."""

    def __init__(self, argv: list[str], workdir: Path) -> None:
        self.workdir = workdir
        self.log = open(workdir / "log.txt", "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, start_new_session=True, cwd=workdir)
        self.endpoint = ""

    def stop(self) -> None:
        """End the process group this started (the server, and the browser it launched)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.log.close()


def playwright_server(workdir: Path, args: tuple[str, ...] = LAUNCH_ARGS) -> BrowserProcess:
    """A Playwright browser server on 127.0.0.1 whose Chromium runs with args (the crawl's own flags by default)."""
    from playwright._impl._driver import compute_driver_executable

    node, cli = compute_driver_executable()
    config: dict[str, object] = {"headless": True, "args": list(args), "host": "127.0.0.1", "port": 0}
    path = _executable()
    if path:
        config["executablePath"] = path
    (workdir / "server.json").write_text(json.dumps(config))
    server = BrowserProcess([str(node), str(cli), "launch-server", "--browser", "chromium", "--config", "server.json"], workdir)
    assert server.proc.stdout is not None
    line = server.proc.stdout.readline().decode().strip()  # the server prints its ws:// endpoint when it listens
    if not line.startswith("ws://"):
        server.stop()
        raise RuntimeError(f"the browser server did not start: {(workdir / 'log.txt').read_text()[-2000:]}")
    server.endpoint = line
    return server


def cdp_browser(workdir: Path) -> BrowserProcess:
    """A headless Chromium listening for CDP on a free port of 127.0.0.1; endpoint is its http:// address."""
    path = _executable()
    if not path:
        raise RuntimeError("a CDP endpoint needs a Chromium executable")
    profile = Path(tempfile.mkdtemp(dir=workdir))
    argv = [path, "--headless", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile}", *LAUNCH_ARGS, "about:blank"]  # fmt: skip
    browser = BrowserProcess(argv, workdir)
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if port_file.is_file() and port_file.read_text().strip():
            browser.endpoint = f"http://127.0.0.1:{port_file.read_text().split()[0]}"
            return browser
        if browser.proc.poll() is not None:
            break
        time.sleep(0.05)
    browser.stop()
    raise RuntimeError(f"Chromium did not open a CDP port: {(workdir / 'log.txt').read_text()[-2000:]}")
