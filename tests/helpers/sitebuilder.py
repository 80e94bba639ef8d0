"""Write tiny HTML sites from a dict, for tests that need a folder on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping


def page(title: str, *, nav: str = "", body: str = "", head: str = "", body_class: str = "") -> str:
    """A minimal HTML page: ``nav`` links count as chrome, ``body`` links as content."""
    cls = f' class="{body_class}"' if body_class else ""
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body{cls}><nav>{nav}</nav><main>{body}</main></body></html>"
    )


def write_site(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``{"blog/index.html": "<html>..."}`` under root; returns root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def chain_with_faults(root: Path) -> Path:
    """Eight pages with seven faults: /p/0/ .. /p/5/ each link to a missing page, /lonely.html is an orphan."""
    files = {f"p/{i}/index.html": f'<a href="/p/{i + 1}/">next</a><a href="/gone-{i % 2}/">x</a>' for i in range(6)}
    files["index.html"] = '<a href="/p/0/">start</a>'
    files["lonely.html"] = "<title>nobody links here</title>"
    return write_site(root, files)
