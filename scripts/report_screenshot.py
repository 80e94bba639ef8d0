"""Regenerate docs/report.png: the pytest-html report of example-rules/blog in Chromium.

    python scripts/report_screenshot.py [OUTPUT.png]

Runs ``pytest --linkrules --html`` in example-rules/blog, opens the report in
headless Chromium (/usr/bin/chromium, or LINKRULES_BROWSER) and shows the summary
and one failing page with its evidence, as a reviewer would see them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOWN = "min-inlinks[/guides/site-speed/]"  # the failure kept in the picture


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "report.png"
    browser_path = os.environ.get("LINKRULES_BROWSER", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.html"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--linkrules", f"--html={report}", "--self-contained-html", "-q"],
            cwd=ROOT / "example-rules" / "blog",
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            check=False,  # the example fails on purpose
        )
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=browser_path,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            )
            page = browser.new_page(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
            page.goto(report.as_uri())
            page.wait_for_selector(".linkrules-evidence")
            # Keep the picture short: no environment table, one failing page, no passing rows.
            page.evaluate(
                """shown => {
                    for (const el of document.querySelectorAll('#environment, #environment-header')) el.style.display = 'none';
                    for (const body of document.querySelectorAll('tbody.results-table-row')) {
                        if (!body.id.includes(shown)) body.style.display = 'none';
                    }
                    for (const log of document.querySelectorAll('.logwrapper')) log.style.display = 'none';
                }""",
                SHOWN,
            )
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
