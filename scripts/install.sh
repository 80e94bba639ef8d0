#!/usr/bin/env bash
# Install pytest-linkrules for development, with everything its tests need:
# the package and its test extras into the current Python, and a Chromium.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}

need_pip=1
if "$PYTHON" - <<'PY' 2>/dev/null; then need_pip=0; fi
import importlib.metadata as md, sys, pathlib
dist = md.distribution("pytest-linkrules")
import pytest_linkrules, selectolax, networkx, scipy, warcio, playwright, pytest_html, xdist, hypothesis, pytest_timeout, yaml, mkdocs, sphinx  # noqa
# Installed from this checkout (editable), not from elsewhere:
here = pathlib.Path.cwd().resolve() / "pytest_linkrules"
sys.exit(0 if pathlib.Path(pytest_linkrules.__file__).resolve().parent == here else 1)
PY
if [ "$need_pip" = 1 ]; then
  echo "==> installing pytest-linkrules (editable) with test extras"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check -e ".[test]"
fi

# A browser for rendering. Playwright can't download its own here, so use the
# system Chromium (Debian/Ubuntu package "chromium"), plus its headless shell
# (package "chromium-headless-shell", found first: about a third less CPU per
# rendered page) where apt has it; LINKRULES_BROWSER or --linkrules-browser-path
# point at another browser.
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
has_apt_candidate() {  # the package is known to apt and installable
  # Not grep -q: it closes the pipe early, and with pipefail apt-cache's SIGPIPE
  # made this false, so the headless shell was never installed.
  command -v apt-cache >/dev/null 2>&1 && apt-cache policy "$1" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null
}
if [ -z "${LINKRULES_BROWSER:-}" ] && ! command -v chromium >/dev/null 2>&1 \
   && ! command -v chromium-browser >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  echo "==> installing Chromium (Debian package chromium)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# wget writes the WARC that tests/test_warc.py reads, as a real crawler would.
if ! command -v wget >/dev/null 2>&1; then
  echo "==> installing wget (Debian package wget, for the WARC tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wget >/dev/null
fi
if [ -z "${LINKRULES_BROWSER:-}" ] && ! command -v chromium-headless-shell >/dev/null 2>&1 \
   && has_apt_candidate chromium-headless-shell; then
  echo "==> installing Chromium's headless shell (Debian package chromium-headless-shell)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium-headless-shell >/dev/null \
    || echo "    (not installed; rendering uses chromium, a little slower)"
fi
