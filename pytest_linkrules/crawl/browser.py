"""Find and launch a Chromium for rendering.

Playwright's own browser download is often impossible (air-gapped CI, this
project's CI), so a system Chromium is just as good a choice. The order:

1. a path the user gave (``--linkrules-browser-path``, else ``LINKRULES_BROWSER``):
   an explicit choice wins, and failing to launch it is an error, never a
   silent fallback to another browser;
2. Playwright's own Chromium, when it is installed;
3. ``chromium-headless-shell``, then ``chromium``, ``chromium-browser``,
   ``google-chrome`` (and friends) on PATH. The headless shell (Debian's
   package of that name; Playwright's own headless runs use the same build)
   spends about a third less CPU per page than full Chromium's headless mode
   (benchmarks/README.md), so it goes first when both are installed.

Every way this can fail ends in one BrowserError whose message says how to
install a browser, never a Playwright traceback.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_VAR = "LINKRULES_BROWSER"
SYSTEM_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

# The network may be closed, and a browser that keeps calling home (updates,
# sync, safe browsing) slows every page and sends requests off the site.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--mute-audio",
    # Cross-site iframes in their own process would escape the page's request
    # blocking (crawl/render.py); in-process, they are fenced like the page.
    # RenderDocument gives every navigation a new frame and compositor in the
    # renderer; reusing them, as Chromium did before it, costs about a quarter
    # less CPU per page on a pooled tab (benchmarks/README.md).
    "--disable-site-isolation-trials",
    "--disable-features=site-per-process,IsolateOrigins,RenderDocument",
    # WebRTC sends UDP (STUN, TURN, ICE checks) past the context's proxy, the
    # fence that keeps every other request on the site (crawl/fence.py). With
    # only proxied traffic allowed, and the proxy being HTTP, no UDP leaves.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--enforce-webrtc-ip-permission-check",
)

# The one command that gives a plain install a browser (Playwright itself is a
# dependency of the package); the report header and the job summary print it.
FIX_COMMAND = "python -m playwright install --with-deps chromium"
INSTALL_HINT = (
    f"install one with `{FIX_COMMAND}`, or the system package "
    "(`apt-get install chromium` on Debian/Ubuntu), or point --linkrules-browser-path "
    f"(or the {ENV_VAR} environment variable) at a Chromium or Chrome executable"
)


def browser_missing_line(pages: int) -> str:
    """What the report header and the job summary say when pages with scripts went unrendered."""
    return (
        f"no browser: {pages:,} page(s) have scripts, but no browser could be started to render them, so links "
        f"and ids their scripts make were not checked; fix: {FIX_COMMAND}"
    )


class BrowserError(Exception):
    """No browser can be launched; the message says what to install."""


@dataclass(frozen=True)
class Candidate:
    path: str | None  # None: Playwright's own download
    how: str  # where it came from, for messages and the report header


def given_by(explicit: str | None) -> str | None:
    """How the user named a browser (option or environment variable), or None if they didn't.

    A browser the user named that can't be started fails the crawl under any
    render mode: going on with the static HTML would hide their mistake.
    """
    if explicit:
        return "--linkrules-browser-path"
    return ENV_VAR if os.environ.get(ENV_VAR) else None


def candidates(explicit: str | None = None, playwright_path: str | None = None) -> list[Candidate]:
    """Browsers to try, in order. An explicit path is the only candidate."""
    given = explicit or os.environ.get(ENV_VAR) or None
    if given:
        how = "--linkrules-browser-path" if explicit else ENV_VAR
        resolved = shutil.which(given) or given
        if not Path(resolved).is_file():
            raise BrowserError(f"browser {given!r} given by {how} does not exist; {INSTALL_HINT}")
        return [Candidate(resolved, how)]
    found: list[Candidate] = []
    if playwright_path and Path(playwright_path).is_file():
        found.append(Candidate(None, "Playwright's Chromium"))
    for name in SYSTEM_NAMES:
        path = shutil.which(name)
        if path and all(c.path != path for c in found):
            found.append(Candidate(path, f"system {name} ({path})"))
    return found


def import_playwright() -> Any:
    """The async Playwright entry point, or a BrowserError saying how to get it."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        raise BrowserError(
            "rendering needs Playwright, a dependency of pytest-linkrules that is missing here: pip install playwright "
            f"(then a browser: {INSTALL_HINT})"
        ) from None
    return async_playwright


async def launch(playwright: Any, explicit: str | None = None) -> tuple[Any, Candidate]:
    """Launch the first browser that starts; BrowserError when none does."""
    try:
        bundled = playwright.chromium.executable_path
    except Exception:  # Playwright raises when its browser registry is unknown
        bundled = None
    tried = candidates(explicit, bundled)
    if not tried:
        raise BrowserError(f"no Chromium found for rendering; {INSTALL_HINT}")
    failures = []
    for cand in tried:
        try:
            browser = await playwright.chromium.launch(executable_path=cand.path, args=list(LAUNCH_ARGS), headless=True)
        except Exception as exc:  # a Playwright error with a long log; keep its first line
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            failures.append(f"{cand.how}: {first}")
            continue
        return browser, cand
    raise BrowserError("no browser could be launched for rendering (" + "; ".join(failures) + f"); {INSTALL_HINT}")
