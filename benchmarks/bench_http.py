"""A deployed-site crawl (``[site] url``) of a folder served on 127.0.0.1, and linkinator 6 on the same URL.

The crawl's HTTP client is its own (``crawl/client.py``, h11 on asyncio
streams); this measures it against a real server with keep-alive, and can
compare two installs of the package (``--python`` twice, e.g. two venvs),
interleaved, with linkinator crawling the same server in the same rounds.

The server is Python's ThreadingHTTPServer speaking HTTP/1.1 (keep-alive, TCP_NODELAY), in
its own process: its CPU is not counted, but it shares the machine's cores
with the crawl, as a preview deployment on the CI runner would. Each pytest
run reads the crawl time from the report header; ``render = "never"`` and
``rate_limit = 0``, so the figure is the HTTP crawl and the parse.

Usage:
    python benchmarks/bench_http.py /tmp/s1k [--repeat 5] [--python /tmp/venv-a/bin/python --python /tmp/venv-b/bin/python]
        [--concurrency 4] [--linkinator /tmp/lk]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_start import LK_SKIP, timed  # benchmarks/, this script's folder

CONFIG = """[site]
url = "{url}"
start = ["/"]
render = "never"
rate_limit = 0
concurrency = {concurrency}
respect_robots = false

[rules.no-orphans]

[rules.no-broken-links]
"""

SERVER = """
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = sys.argv[3] == "nodelay"  # nginx's tcp_nodelay, on by default
    def log_message(self, *args):
        pass
handler = functools.partial(Handler, directory=sys.argv[1])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"the server on port {port} did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--python", action="append", help="an interpreter with pytest-linkrules installed (repeatable; default: this one)")
    parser.add_argument("--concurrency", type=int, default=4, help="[site] concurrency (default 4, the tool's default)")
    parser.add_argument("--nagle", action="store_true", help="serve without TCP_NODELAY (headers and body in two writes then wait for a delayed ACK)")
    parser.add_argument("--linkinator", type=Path, default=Path("/tmp/lk"), help="folder where `npm install linkinator@6` ran")
    args = parser.parse_args(argv)
    pythons = args.python or [sys.executable]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(args.site.resolve()), str(port), "nagle" if args.nagle else "nodelay"])
    lk = args.linkinator / "node_modules" / ".bin" / "linkinator"
    runs: dict[str, list[tuple[float, float, float]]] = {p: [] for p in pythons}
    lk_runs: list[tuple[float, float]] = []
    pages = "?"
    try:
        wait_for(port)
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            (project / "pytest.ini").write_text("[pytest]\n")
            (project / "linkrules.toml").write_text(CONFIG.format(url=url, concurrency=args.concurrency))
            env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "PYTHONPATH")}
            for _ in range(args.repeat):
                for python in pythons:
                    cmd = [python, "-m", "pytest", "--linkrules", "-p", "no:cacheprovider", "-p", "no:randomly", "--tb=no"]
                    wall, cpu, out = timed(cmd, project, env)
                    m = re.search(r"(\d[\d,]*) pages, .*crawled in ([0-9.]+)s", out)
                    if not m:
                        sys.exit(f"{python}: no report header in the output:\n{out[-3000:]}")
                    pages = m.group(1)
                    runs[python].append((wall, cpu, float(m.group(2))))
                if lk.exists():
                    lk_wall, lk_cpu, _ = timed([str(lk), url + "/", "--recurse", "--concurrency", str(args.concurrency), "--skip", LK_SKIP], project, env)
                    lk_runs.append((lk_wall, lk_cpu))
    finally:
        server.terminate()
        server.wait()
    med = statistics.median
    server_kind = "without TCP_NODELAY" if args.nagle else "TCP_NODELAY"
    print(f"{args.site} served on {url} ({server_kind}): {pages} pages, concurrency {args.concurrency}, median of {args.repeat} (interleaved)")
    for python, rs in runs.items():
        print(f"  {python}: pytest --linkrules wall {med(r[0] for r in rs):.2f}s  CPU {med(r[1] for r in rs):.2f}s  "
              f"crawl {med(r[2] for r in rs):.2f}s  ({', '.join(f'{r[2]:.2f}' for r in rs)})")
    if lk_runs:
        print(f"  linkinator 6: wall {med(w for w, _ in lk_runs):.2f}s  CPU {med(c for _, c in lk_runs):.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
