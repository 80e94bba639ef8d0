"""The project a start benchmark runs pytest in: the green config on a site, and the environment CI would give it.

bench_start_pairs.py and bench_start_timeline.py run fresh ``pytest --linkrules``
processes in a temporary folder holding start-green.toml's config for SITE and
an empty pytest.ini (so the rootdir is that folder). The environment drops what
would make a run unlike CI's: ``PYTHONDONTWRITEBYTECODE`` (every import would
compile again), ``PYTHONPATH`` (a checkout instead of the install) and
``GITHUB_ACTIONS`` (the job summary and annotations).
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


def green_project(site: Path, project: Path) -> dict[str, str]:
    """Write the project into ``project``; the environment to run pytest in it with."""
    template = (HERE / "start-green.toml").read_text()
    (project / "linkrules.toml").write_text(template.format(root=site.resolve().as_posix()))
    (project / "pytest.ini").write_text("[pytest]\n")
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "GITHUB_ACTIONS")}
