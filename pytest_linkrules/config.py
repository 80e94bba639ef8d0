"""Load and validate linkrules.toml into frozen dataclasses.

Every problem in a file is collected and reported at once, one line each,
naming the file, the key path and what was expected:
``linkrules.toml: rules.max-depth.max: expected a positive integer, got "three"``.
"""

from __future__ import annotations

import codecs
import difflib
import glob as globmod
import math
import os
import posixpath
import re
import stat
import string
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from .architecture import ClusterDef, RoleDef, load_clusters, load_roles, role_references
from .globs import GlobError, compile_glob
from .presets import load_site_keys
from .rules.base import GLOBS, Rule, show_list
from .waivers import Waiver, load_waivers

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class ConfigError(Exception):
    """linkrules.toml can't be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SiteConfig:
    root: Path | None = None
    start: tuple[str, ...] = ("/",)
    base_url: tuple[str, ...] = ()
    max_pages: int = 200_000
    max_page_bytes: int = 20 * 1024 * 1024
    # Where a page's source file lives, e.g. "content/{path}.md" (see SOURCE_FIELDS);
    # relative to linkrules.toml. Used to point GitHub annotations at that file.
    source: tuple[str, ...] = ()
    # A deployed site instead of a folder, and how pages are fetched (crawl/http.py,
    # crawl/render.py). Secrets are never stored: only names of environment variables.
    url: str | None = None  # the origin, e.g. "https://preview-123.example.com"
    # A crawl someone else made: WARC (or WACZ) files, expanded from site.warc's
    # globs at load time (crawl/warc.py); base_url names the captured origin(s).
    warc: tuple[Path, ...] = ()
    # Where WARC files or folder shards are parsed: "" (a local process pool),
    # a Dask scheduler's address, or "local" (a LocalCluster for the run); crawl/shards.py.
    dask: str = ""
    sitemap: str | None = None
    render: str = "auto"  # "auto" | "always" | "never"
    render_budget: int = 2000  # most pages rendered in one crawl (samples included)
    hash_routes: bool = False
    respect_robots: bool = True
    timeout: float = 15.0
    concurrency: int = 4
    rate_limit: float = 20.0  # requests per second to a deployed site; 0 = no limit
    headers_from_env: tuple[tuple[str, str], ...] = ()
    cookies_from_env: tuple[tuple[str, str], ...] = ()
    basic_auth_from_env: tuple[str, str] | None = None
    page_limits: tuple[tuple[str, int], ...] = ()  # (URL glob, most pages) for URL crawls
    browser_path: str | None = None  # from --linkrules-browser-path only
    # Browsers elsewhere to render on (crawl/remote.py), and the address of this
    # machine they reach the fence (and a folder's server) at.
    render_endpoints: tuple[str, ...] = ()
    render_serve_host: str | None = None
    # A generator preset (presets.py) and what the user adds to it: selectors
    # of navigation besides nav/header/footer/aside, pages no rule reports.
    generator: str = ""  # a PRESETS name; "auto" is resolved at load time
    generator_detected: str = ""  # how "auto" told it (or told the preset suggested), for the report header
    generator_suggested: str = ""  # generator not set: the preset the folder looks made for (a note says so)
    chrome: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def chrome_selectors(self) -> tuple[str, ...]:
        """The preset's chrome selectors and the user's, in that order."""
        from .presets import PRESETS

        preset = PRESETS.get(self.generator)
        return tuple(dict.fromkeys((preset.chrome if preset else ()) + self.chrome))

    @property
    def excluded_pages(self) -> tuple[str, ...]:
        """URL globs of pages no rule reports: the preset's generator pages and the user's."""
        from .presets import PRESETS

        preset = PRESETS.get(self.generator)
        return tuple(dict.fromkeys((preset.exclude if preset else ()) + self.exclude))


@dataclass(frozen=True)
class RuleConfig:
    """One ``[rules.ID]`` table, validated; ``given`` holds the keys the user wrote."""

    id: str
    rule: type[Rule]
    options: Mapping[str, Any]
    given: frozenset[str] = frozenset()
    line: int = 0  # 0-based line of the table header in the file

    def instantiate(self) -> Rule:
        return self.rule(self.options)

    @property
    def severity(self) -> str:
        return str(self.options.get("severity") or "error")


@dataclass(frozen=True)
class LinkrulesConfig:
    path: Path
    site: SiteConfig
    rules: tuple[RuleConfig, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    roles: tuple[RoleDef, ...] = ()
    clusters: tuple[ClusterDef, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    suggestions: tuple[tuple[str, int], ...] = ()  # the [suggestions] keys given, in file order

    @property
    def display(self) -> str:
        return display_path(self.path)

    @property
    def selectors(self) -> dict[str, str] | None:
        """The roles' CSS selectors by role name, which the crawl tests on every page; None without any."""
        return {role.name: role.selector for role in self.roles if role.selector} or None


RENDER_MODES = ("auto", "always", "never")
REMOTE_KEYS = {
    "url": "a deployed site to crawl instead of root, e.g. \"https://preview-123.example.com\"",
    "sitemap": "the sitemap's path on the site, e.g. \"/sitemap.xml\"",
    "render": 'render pages in Chromium: "auto", "always" or "never"',
    "render_budget": "the most pages one crawl renders in Chromium (default 2000); going past it fails the crawl item",
    "render_endpoints": 'browsers already running elsewhere to render on instead of a local one: "ws://host:port/..." '
    '(Playwright browser server) or "http://host:9222" (CDP)',
    "render_serve_host": "the address of this machine that render_endpoints' browsers reach it at (default 127.0.0.1)",
    "hash_routes": "treat #/route links as pages (single-page apps with hash routing)",
    "respect_robots": "honour robots.txt when crawling a url (default true)",
    "timeout": "seconds to wait for one page",
    "concurrency": "requests (and rendered pages) in flight at once",
    "rate_limit": "most requests per second to a deployed site (0: no limit)",
    "headers_from_env": "extra request headers, each taken from an environment variable",
    "cookies_from_env": "cookies, each taken from an environment variable",
    "basic_auth_from_env": "[USER_VAR, PASSWORD_VAR]: HTTP basic auth from environment variables",
    "page_limits": 'most pages crawled per URL glob, e.g. {"/calendar/**" = 50}: endless URL spaces stop there',
}
# [site] keys that only a deployed site's crawl reads: on a folder crawl each
# would be silently ignored, so it is a config error there (check_applicable).
# hash_routes is among them: a folder's pages are its files, and a hash route
# exists only in a browser running the app; crawl the served app with url.
URL_ONLY_KEYS = (
    "hash_routes", "respect_robots", "rate_limit", "headers_from_env", "cookies_from_env",
    "basic_auth_from_env", "page_limits",
)  # fmt: skip
SITE_KEYS = {
    "root": "the built site folder, relative to linkrules.toml",
    "start": 'entry pages, e.g. ["/"]',
    "base_url": "the site's public URL(s); absolute links to it are internal, and its path is where the folder is published",
    "max_pages": "the most pages to read",
    "max_page_bytes": "the largest page file to read, in bytes",
    "source": 'where a page\'s source file is, e.g. "content/{path}.md"',
    "generator": 'the generator that built the site, for its preset: "mkdocs", "sphinx", "hugo", "jekyll", "docusaurus" or "auto"',
    "chrome": 'CSS selectors of navigation besides nav, header, footer and aside, e.g. [".navbar"]',
    "exclude": 'URL globs of pages no rule reports, e.g. ["/404.html"]',
    "warc": 'WARC or WACZ files of a crawl of the site instead of root or url, as globs relative to linkrules.toml, e.g. ["crawl/*.warc.gz"]; base_url names the captured origin',
    "dask": 'parse WARC files or folder shards on a Dask cluster: its scheduler address, e.g. "tcp://10.0.0.5:8786", or "local" for a LocalCluster on this machine (--linkrules-dask overrides)',
    **REMOTE_KEYS,
}
# [site] keys a WARC crawl reads besides warc itself; any other is refused
# with warc (check_applicable), since it would be silently ignored.
WARC_KEYS = ("warc", "base_url", "start", "max_pages", "max_page_bytes", "source", "generator", "chrome", "exclude", "render", "sitemap", "dask")
# Placeholders in site.source: {path} is the URL path without slashes at the ends
# or .html ("/guides/seo/" -> "guides/seo", "/" -> "index"); {file} is the built file.
SOURCE_FIELDS = ("path", "file")
TOP_KEYS = ("site", "rules", "roles", "clusters", "waivers", "suggestions")
# [suggestions]: how much link suggestions read (suggest.py keeps the defaults,
# MAX_SUGGESTED_PAGES and Budget; tests/test_suggest_budget.py holds these texts to them).
SUGGESTION_KEYS = {
    "max_pages": "failing pages that get link suggestions, in rule order (default 1000); a note says how many more got none",
    "exhaustive_pages": "sites of up to this many pages compare every page with each failing page (default 20000); "
    "a larger site takes the bounded ranking, and a note says so",
    "per_source": "bounded ranking: candidate pages of each kind per failing page (default 1000)",
    "text": "bounded ranking: how many of the best candidates by links and URL are compared by text (default 30)",
    "idf_sample": "bounded ranking: pages spread over the site that text weights (IDF) are computed from, with the pages read (default 5000)",
}


def display_path(path: Path) -> str:
    """A path as short as it can be while still unambiguous for the user."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    # "../../../etc/x" is harder to read than "/etc/x".
    return str(path) if relative.startswith("..") and os.path.isabs(path) else relative


def did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return show_list(value)
    if isinstance(value, dict):
        return "a table"
    return repr(value)


# A config is a few kilobytes; these bounds only stop files that are not configs
# (a FIFO, /dev/zero, a generated bomb) from hanging or exhausting the run.
MAX_CONFIG_BYTES = 4 * 1024 * 1024
MAX_NESTING = 32  # arrays and tables inside each other; a real config needs 3 or 4
MAX_KEY_PARTS = 64  # parts of one dotted key (tomllib takes quadratic time on long ones)
# Ranges of numeric [site] keys: past these a run would be endless or meaningless.
MAX_PAGES = 10_000_000
MAX_PAGE_BYTES = 1024 * 1024 * 1024
MIN_RATE, MAX_RATE = 0.1, 10_000  # requests per second; 0 means no limit


def read_config_bytes(path: Path) -> bytes:
    """The file's bytes: a regular file only, at most MAX_CONFIG_BYTES; ConfigError otherwise."""
    name = display_path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what it is.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ConfigError([f"{name}: file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{name}: is a directory, expected a linkrules.toml file"]) from None
    except OSError as exc:
        # Permission denied, a symlink loop, an I/O error: say which.
        raise ConfigError([f"{name}: cannot be read: {exc.strerror or exc}"]) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise ConfigError([f"{name}: is a directory, expected a linkrules.toml file"])
        raise ConfigError([f"{name}: is not a regular file (a pipe, device or socket); expected a linkrules.toml file"])
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError([f"{name}: cannot be read: {exc.strerror or exc}"]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([f"{name}: is larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MB; expected a linkrules.toml file"])
    return data


def _nesting_problem(text: str, parsed: Any = None) -> str | None:
    """Why the TOML nests too deeply to be a config, or None: checked before and after parsing."""
    if parsed is None:
        for line in text.splitlines():
            if line.lstrip().startswith("#"):
                continue
            key = line.split("=", 1)[0] if "=" in line else line
            if key.count(".") >= MAX_KEY_PARTS:
                return f"a key has more than {MAX_KEY_PARTS} dotted parts; expected a linkrules.toml file"
        return None
    level = [parsed]
    for _ in range(MAX_NESTING):
        level = [v for item in level for v in (item.values() if isinstance(item, dict) else item) if isinstance(v, (dict, list))]
        if not level:
            return None
    return f"arrays or tables are nested more than {MAX_NESTING} levels deep; expected a linkrules.toml file"


def read_toml(path: Path) -> dict[str, Any]:
    """Parse the file, turning every way it can fail into a ConfigError line."""
    name = display_path(path)
    data = read_config_bytes(path)
    # Editors on Windows often save UTF-8 with a byte-order mark; TOML forbids
    # it, but refusing the file over an invisible character helps nobody.
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{name}: is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); TOML files must be UTF-8"]) from None
    empty = f"{name}: is empty; expected a [site] table and at least one [rules.NAME] table"
    if not text.strip():
        raise ConfigError([empty])
    deep = _nesting_problem(text)
    try:
        parsed = tomllib.loads(text) if deep is None else None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{name}: invalid TOML: {exc}"]) from None
    except RecursionError:
        parsed, deep = None, f"arrays or tables are nested more than {MAX_NESTING} levels deep; expected a linkrules.toml file"
    deep = deep or _nesting_problem(text, parsed)
    if deep:
        raise ConfigError([f"{name}: {deep}"])
    if not parsed:  # only comments
        raise ConfigError([empty])
    return parsed


def rule_lines(text: str) -> dict[str, int]:
    """0-based line of each ``[rules.ID]`` header, so failures can point at it."""
    lines: dict[str, int] = {}
    pattern = re.compile(r"""^\s*\[\s*(?:rules|"rules"|'rules')\s*\.\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*\]""")
    for number, line in enumerate(text.splitlines()):
        match = pattern.match(line)
        if match:
            name = next(g for g in match.groups() if g)
            lines.setdefault(name, number)
    return lines


def load_config(path: Path, registry: Mapping[str, type[Rule]]) -> LinkrulesConfig:
    """Read and validate a linkrules.toml; raise ConfigError listing every problem."""
    path = Path(path).absolute()
    data = read_toml(path)
    name = display_path(path)
    problems: list[str] = []

    def problem(key: str, message: str) -> None:
        problems.append(f"{name}: {key}: {message}")

    for key in data:
        if key not in TOP_KEYS:
            problem(key, f"unknown key{did_you_mean(key, TOP_KEYS)} (expected one of: {', '.join(TOP_KEYS)})")

    site = _load_site(path, data.get("site"), problem)
    rules = _load_rules(path, data.get("rules"), registry, problem)
    roles = load_roles(data.get("roles"), problem)
    clusters = load_clusters(data.get("clusters"), problem)
    waivers = load_waivers(data.get("waivers"), [r.id for r in rules], problem)
    suggestions = _load_suggestions(data.get("suggestions"), problem)
    _check_role_references(rules, clusters, waivers, {r.name for r in roles}, problem)
    if problems:
        raise ConfigError(problems)
    assert site is not None
    return LinkrulesConfig(
        path=path, site=site, rules=tuple(rules), raw=data, roles=roles, clusters=clusters, waivers=waivers,
        suggestions=tuple(suggestions.items()),
    )


def _load_suggestions(table: Any, problem: Any) -> dict[str, int]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        problem("suggestions", f"expected a table of {', '.join(SUGGESTION_KEYS)}, got {_show(table)}")
        return {}
    out = {}
    for key, value in table.items():
        if key not in SUGGESTION_KEYS:
            problem(f"suggestions.{key}", f"unknown key{did_you_mean(key, SUGGESTION_KEYS)} (expected one of: {', '.join(SUGGESTION_KEYS)})")
        elif not _check_range(value, 1, 10**9, integer=True):
            problem(f"suggestions.{key}", f"expected a positive integer, got {_show(value)}")
        else:
            out[key] = int(value)
    return out


def _check_role_references(
    rules: list[RuleConfig], clusters: tuple[ClusterDef, ...], waivers: tuple[Waiver, ...], names: set[str], problem: Any
) -> None:
    """Every ``@role`` used must be defined in [roles]; a typo would silently match nothing."""
    used: list[tuple[str, list[str]]] = []
    for rc in rules:
        for opt in rc.rule.all_options():
            if opt.convert is GLOBS and opt.name in rc.given:
                used.append((f"rules.{rc.id}.{opt.name}", role_references(rc.options.get(opt.name) or ())))
    used += [(f"clusters[{c.index}].members", role_references(c.members)) for c in clusters]
    used += [(f"waivers[{w.index}].pages", role_references(w.pages)) for w in waivers]
    defined = ", ".join(sorted(names)) or "none defined"
    for key, refs in used:
        for name in refs:
            if name not in names:
                problem(key, f'unknown role "@{name}"{did_you_mean(name, names)} (roles: {defined}; define it in [roles])')


def _load_site(path: Path, table: Any, problem: Any) -> SiteConfig | None:
    if table is None:
        problem("site", 'missing; expected a [site] table with root = "FOLDER"')
        return None
    if not isinstance(table, dict):
        problem("site", f"expected a table, got {_show(table)}")
        return None
    for key in table:
        if key not in SITE_KEYS:
            problem(f"site.{key}", f"unknown key{did_you_mean(key, SITE_KEYS)} (expected one of: {', '.join(SITE_KEYS)})")

    root = None
    raw_root = table.get("root")
    warc = _load_warc(path, table, problem)
    if "warc" in table:
        pass  # the keys that don't apply with it are named by check_applicable
    elif raw_root is None:
        if table.get("url") is None:
            problem("site.root", 'missing; expected the built site folder, e.g. root = "public" (or url = "https://..." for a deployed site)')
    elif table.get("url") is not None:
        problem("site", "root and url are both set; give root (a built folder) or url (a deployed site), not both")
    elif not isinstance(raw_root, str) or not raw_root.strip():
        problem("site.root", f"expected a folder path, got {_show(raw_root)}")
    else:
        root = (path.parent / raw_root).resolve()
        if not root.exists():
            problem("site.root", f'folder "{raw_root}" not found (looked in {display_path(root)}); build the site first or fix the path')
        elif not root.is_dir():
            problem("site.root", f'"{raw_root}" is not a folder')

    start: tuple[str, ...] = ("/",)
    raw_start = table.get("start", ["/"])
    if isinstance(raw_start, str):
        raw_start = [raw_start]
    if not isinstance(raw_start, list) or not raw_start or not all(isinstance(s, str) and s.startswith("/") for s in raw_start):
        problem("site.start", f'expected a list of URL paths starting with "/", e.g. ["/"], got {_show(raw_start)}')
    else:
        start = tuple(raw_start)

    base_url: tuple[str, ...] = ()
    raw_base = table.get("base_url", [])
    if isinstance(raw_base, str):
        raw_base = [raw_base]
    bad = [u for u in raw_base if _check_url(u)] if isinstance(raw_base, list) else [raw_base]
    if bad:
        detail = _check_url(bad[0]) if isinstance(bad[0], str) else None
        if detail and not detail.startswith("expected"):  # e.g. a user name in it: said as it is
            problem("site.base_url", detail)
        else:
            # The shared check's reason (": it holds a fragment ...") follows base_url's own wording.
            reason = detail.partition(_show(bad[0]))[2] if detail else ""
            problem("site.base_url", f'expected an http(s) URL or a list of them, e.g. "https://example.com", got {_show(raw_base)}{reason}')
    else:
        # A path says where the folder is published (GitHub Pages project
        # sites: https://user.github.io/docs/); every URL must agree on it.
        mounts = {posixpath.normpath("/" + urlsplit(u.strip()).path.lstrip("/")).rstrip("/") for u in raw_base}
        if len(mounts) > 1:
            shown = ", ".join(f'"{m or "/"}"' for m in sorted(mounts))
            problem("site.base_url", f"expected every URL to have the same path (where the site folder is published), got {shown}")
        mount = mounts.pop() if len(mounts) == 1 else ""
        base_url = tuple(origin_of(u) + mount for u in raw_base)

    limits = {}
    for key, default, most in (("max_pages", SiteConfig.max_pages, MAX_PAGES), ("max_page_bytes", SiteConfig.max_page_bytes, MAX_PAGE_BYTES)):
        value = table.get(key, default)
        if not _check_range(value, 1, most, integer=True):
            problem(f"site.{key}", f"expected a positive integer up to {most:,}, got {_show(value)}")
            value = default
        limits[key] = value
    source = _load_source(table.get("source", []), problem)
    remote = _load_remote(table, problem)
    remote.update(load_site_keys(table, root, problem))
    if remote.get("url"):
        path = urlsplit(remote["url"]).path
        if path not in ("", "/") and "start" not in table:
            start = (path,)
        remote["url"] = origin_of(remote["url"])
    if warc and base_url:
        mount = urlsplit(base_url[0]).path
        if mount not in ("", "/") and "start" not in table:
            start = (mount + "/",)  # a site published below a path starts there, as a url crawl does
    dask = ""
    if "dask" in table:
        why = dask_problem(table["dask"])
        if why:
            problem("site.dask", why)
        else:
            dask = table["dask"].strip()
    return SiteConfig(root=root, start=start, base_url=base_url, source=source, warc=warc, dask=dask, **limits, **remote)


def dask_problem(value: Any) -> str | None:
    """Why value is not a Dask scheduler address or "local"; None when it is one."""
    expected = 'expected a Dask scheduler address such as "tcp://10.0.0.5:8786", or "local"'
    if not isinstance(value, str) or not value.strip() or _URL_JUNK.search(value.strip()):
        return f"{expected}, got {_show(value)}"
    value = value.strip()
    if value == "local":
        return None
    scheme, sep, rest = value.partition("://")
    if not sep:
        rest, scheme = value, "tcp"
    if scheme not in ("tcp", "tls", "ucx", "ws", "wss", "inproc") or not rest:
        return f"{expected}, got {_show(value)}"
    return None


WARC_SUFFIXES = (".warc", ".warc.gz", ".wacz", ".arc", ".arc.gz")


def _load_warc(path: Path, table: Mapping[str, Any], problem: Any) -> tuple[Path, ...]:
    """site.warc: globs relative to the config, each matching at least one WARC or WACZ file."""
    if "warc" not in table:
        return ()
    raw = table["warc"]
    if isinstance(raw, str):
        raw = [raw]
    expected = 'expected a WARC file glob or a list of them, relative to linkrules.toml, e.g. ["crawl/*.warc.gz"]'
    if not isinstance(raw, list) or not raw or not all(isinstance(g, str) and g.strip() for g in raw):
        problem("site.warc", f"{expected}, got {_show(raw)}")
        return ()
    if not table.get("base_url"):
        problem("site.warc", 'needs site.base_url, the origin the WARC captured, e.g. base_url = "https://example.com"')
    found: list[Path] = []
    for pattern in raw:
        full = pattern if os.path.isabs(pattern) else str(path.parent / pattern)
        matched = sorted(Path(m) for m in globmod.glob(full, recursive=True) if os.path.isfile(m))
        if not matched:
            problem("site.warc", f'"{pattern}" matches no file (looked in {display_path(path.parent)})')
            continue
        for file in matched:
            why = warc_problem(file)
            if why:
                problem("site.warc", f"{display_path(file)}: {why}")
            elif file not in found:
                found.append(file)
    return tuple(found)


def warc_problem(file: Path) -> str | None:
    """Why a file is not a WARC, ARC or WACZ this crawl can read, from its first bytes; None when it is one."""
    import gzip
    import zipfile

    try:
        with open(file, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        return f"could not be read ({exc.strerror or exc})"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(file) as zf:
                names = [n for n in zf.namelist() if n.startswith("archive/") and n.endswith((".warc", ".warc.gz"))]
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            return f"is not a WACZ file (a zip that can't be opened: {exc})"
        return None if names else "is a zip with no archive/*.warc.gz inside, not a WACZ file"
    try:
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(file, "rb") as gz:
                first = gz.read(16)
        else:
            with open(file, "rb") as fh:
                first = fh.read(16)
    except (OSError, EOFError, ValueError) as exc:
        return f"is not a WARC file (corrupt gzip data: {exc})"
    if first.lstrip().startswith(b"WARC/") or first.lstrip()[:1].isalnum() and file.name.lower().endswith((".arc", ".arc.gz")):
        return None
    return 'is not a WARC file (it does not start with "WARC/"); expected .warc, .warc.gz or .wacz files'



def _load_source(raw: Any, problem: Any) -> tuple[str, ...]:
    """site.source: one pattern or a list, tried in order; each names {path} or {file}."""
    if isinstance(raw, str):
        raw = [raw]
    expected = 'expected a path pattern or a list of them, e.g. "content/{path}.md"'
    if not isinstance(raw, list) or not all(isinstance(p, str) and p.strip() for p in raw):
        problem("site.source", f"{expected}, got {_show(raw)}")
        return ()
    for pattern in raw:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
        except ValueError as exc:
            problem("site.source", f'"{pattern}": {exc}; {expected}')
            continue
        unknown = [f for f in fields if f not in SOURCE_FIELDS]
        if unknown:
            problem("site.source", f'"{pattern}": unknown placeholder {{{unknown[0]}}} (use {{path}} or {{file}})')
        elif not fields:
            problem("site.source", f'"{pattern}": names no page; use {{path}} or {{file}}, e.g. "content/{{path}}.md"')
    return tuple(raw)


def _load_rules(path: Path, table: Any, registry: Mapping[str, type[Rule]], problem: Any) -> list[RuleConfig]:
    known = ", ".join(sorted(registry))
    if table is None:
        problem("rules", f"no rules configured; add at least one [rules.NAME] table (known rules: {known})")
        return []
    if not isinstance(table, dict):
        problem("rules", f"expected a table of rules, got {_show(table)}")
        return []
    if not table:
        problem("rules", f"no rules configured; add at least one [rules.NAME] table (known rules: {known})")
    lines = rule_lines(read_config_bytes(path).removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="replace"))
    rules = []
    for rule_id, raw in table.items():
        key = f"rules.{rule_id}"
        rule = registry.get(rule_id)
        if rule is None:
            problem(key, f"unknown rule{did_you_mean(rule_id, registry)} (known rules: {known})")
            continue
        if not isinstance(raw, dict):
            problem(key, f"expected a table of options, got {_show(raw)}")
            continue
        allowed = [opt.name for opt in rule.all_options()]
        for opt_key in raw:
            if opt_key not in allowed:
                expected = f"options: {', '.join(allowed)}" if allowed else "this rule takes no options"
                problem(f"{key}.{opt_key}", f"unknown option{did_you_mean(opt_key, allowed)} ({expected})")
        values, option_problems = rule.parse_options(raw)
        for opt_key, message in option_problems:
            problem(f"{key}.{opt_key}", message)
        rules.append(RuleConfig(rule_id, rule, values, frozenset(raw), lines.get(rule_id, 0)))
    return rules


def unmatched_globs(
    config: LinkrulesConfig, urls: list[str], roles: Mapping[str, frozenset[str]] | None = None
) -> tuple[list[str], list[str]]:
    """Errors and notes for user-written globs that match no page.

    An option none of whose globs matches a page is an error (almost always a
    typo, and the rule would silently check nothing). One glob of several
    matching nothing is only a note: a shared config may list ``/category/*``
    for a site that has no categories yet.
    """
    errors, notes = [], []
    roles = roles or {}

    def matches_nothing(pattern: str) -> bool:
        if pattern.startswith("@"):
            return not roles.get(pattern[1:])
        regex = compile_glob(pattern)
        return not any(regex.match(u) for u in urls)

    for rc in config.rules:
        for opt in rc.rule.all_options():
            if not opt.must_match or opt.name not in rc.given:
                continue
            globs = list(rc.options[opt.name] or ())
            unmatched = [g for g in globs if matches_nothing(g)]
            key = f"{config.display}: rules.{rc.id}.{opt.name}"
            if unmatched and len(unmatched) == len(globs):
                shown = ", ".join(f'"{g}"' for g in unmatched)
                errors.append(
                    f"{key}: {shown} match{'es' if len(unmatched) == 1 else ''} no page of the {len(urls):,} crawled "
                    f"(globs match page URLs such as {_example(urls)})"
                )
            else:
                notes.extend(f'{key}: glob "{g}" matches no page' for g in unmatched)
    return errors, notes


def _example(urls: list[str]) -> str:
    sample = sorted(urls, key=lambda u: (u.count("/"), u))[1:3] or urls[:1]
    return ", ".join(sample) if sample else "/"


def origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


_URL_JUNK = re.compile(r"[\s\x00-\x1f\x7f]")


def _check_url(value: Any, *, query: bool = False) -> str | None:
    """Why value is not an http(s) URL the crawl can use, or None when it is one.

    The one check for every URL-valued key (url, base_url, sitemap) and
    --linkrules-url: what urlsplit, the port or IDNA would raise later is a
    config problem now. ``query``: a query string is allowed (a sitemap's).
    """
    expected = f'expected an http(s) URL, e.g. "https://preview-123.example.com", got {_show(value)}'
    if not isinstance(value, str) or not value.strip():
        return expected
    text = value.strip()
    if _URL_JUNK.search(text):
        return f"{expected}: it holds a space or a control character"
    try:
        parts = urlsplit(text)
        port = parts.port  # raises for ports out of range or not a number
        host = parts.hostname
        if host and not host.startswith("["):
            host.encode("idna")  # empty or over-long labels
    except (ValueError, UnicodeError) as exc:
        return f"{expected}: {exc}"
    if parts.scheme.lower() not in ("http", "https") or not host or port == 0:
        return expected
    if parts.username or parts.password or "@" in parts.netloc:
        return "must not hold a user name or password; use basic_auth_from_env so secrets stay out of files and reports"
    if parts.fragment or text.endswith("#") or (not query and (parts.query or text.endswith("?"))):
        what = "a fragment" if parts.fragment or text.endswith("#") else "a query string"
        return f"{expected}: it holds {what}, which the crawl would drop"
    return None


def _check_range(value: Any, low: float, high: float, *, integer: bool = False, zero: bool = False) -> bool:
    """True when value is a number (an integer if asked) from low to high, or exactly 0 with ``zero``.

    nan and infinities are never in range (nan compares false with every bound).
    """
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return (zero and value == 0) or low <= value <= high


def _env_table(table: Mapping[str, Any], key: str, problem: Any, what: str) -> tuple[tuple[str, str], ...]:
    value = table.get(key, {})
    ok = isinstance(value, dict) and all(isinstance(v, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v) for v in value.values())
    if not ok:
        problem(
            f"site.{key}",
            f'expected a table of {what} names to environment variable names, e.g. {{Authorization = "STAGING_TOKEN"}}, got {_show(value)}',
        )
        return ()
    return tuple((str(k), v) for k, v in value.items())


def _load_remote(table: Mapping[str, Any], problem: Any) -> dict[str, Any]:
    """The [site] keys for deployed sites and rendering, validated."""
    out: dict[str, Any] = {}
    if "url" in table:
        why = _check_url(table["url"])
        if why:
            problem("site.url", why)
        else:
            out["url"] = table["url"].strip()
    if "sitemap" in table:
        value = table["sitemap"]
        path_ok = isinstance(value, str) and value.startswith("/") and not value.startswith("//") and not _URL_JUNK.search(value)
        if not isinstance(value, str) or not (path_ok or _check_url(value, query=True) is None):
            problem("site.sitemap", f'expected the path of the sitemap on the site, e.g. "/sitemap.xml", got {_show(value)}')
        else:
            out["sitemap"] = value
    if "render" in table:
        value = table["render"]
        if value not in RENDER_MODES:
            problem("site.render", f'expected one of "auto", "always", "never", got {_show(value)}')
        else:
            out["render"] = value
    if "render_budget" in table:
        value = table["render_budget"]
        if not _check_range(value, 1, MAX_PAGES, integer=True):
            problem("site.render_budget", f"expected a number of pages from 1 to {MAX_PAGES:,}, got {_show(value)}")
        else:
            out["render_budget"] = value
    if "render_endpoints" in table:
        endpoints = load_endpoints(table["render_endpoints"], "site.render_endpoints", problem)
        if endpoints is not None:
            out["render_endpoints"] = endpoints
    if "render_serve_host" in table:
        value = table["render_serve_host"]
        why = check_serve_host(value)
        if why:
            problem("site.render_serve_host", f"{why}, got {_show(value)}")
        else:  # without render_endpoints it is an error, once the command line had its say (with_overrides)
            out["render_serve_host"] = value.strip()
    for key in ("hash_routes", "respect_robots"):
        if key in table:
            if not isinstance(table[key], bool):
                problem(f"site.{key}", f"expected true or false, got {_show(table[key])}")
            else:
                out[key] = table[key]
    if "timeout" in table:
        value = table["timeout"]
        if not _check_range(value, 0.1, 600):
            problem("site.timeout", f"expected a number of seconds from 0.1 to 600, got {_show(value)}")
        else:
            out["timeout"] = float(value)
    if "rate_limit" in table:
        value = table["rate_limit"]
        if not _check_range(value, MIN_RATE, MAX_RATE, zero=True):
            problem(
                "site.rate_limit",
                f"expected a number of requests per second from {MIN_RATE:g} to {MAX_RATE:,} (0: no limit), got {_show(value)}",
            )
        else:
            out["rate_limit"] = float(value)
    if "concurrency" in table:
        value = table["concurrency"]
        if not _check_range(value, 1, 64, integer=True):
            problem("site.concurrency", f"expected an integer from 1 to 64, got {_show(value)}")
        else:
            out["concurrency"] = value
    if "headers_from_env" in table:
        out["headers_from_env"] = _env_table(table, "headers_from_env", problem, "header")
    if "cookies_from_env" in table:
        out["cookies_from_env"] = _env_table(table, "cookies_from_env", problem, "cookie")
    if "basic_auth_from_env" in table:
        value = table["basic_auth_from_env"]
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and v for v in value)):
            problem("site.basic_auth_from_env", f"expected [USER_VAR, PASSWORD_VAR], two environment variable names, got {_show(value)}")
        else:
            out["basic_auth_from_env"] = (value[0], value[1])
    if "page_limits" in table:
        value = table["page_limits"]
        expected = 'expected a table of URL globs to page counts, e.g. {"/calendar/**" = 50}'
        if not isinstance(value, dict):
            problem("site.page_limits", f"{expected}, got {_show(value)}")
        else:
            limits = []
            for glob, count in value.items():
                try:
                    compile_glob(glob)
                except GlobError as exc:
                    problem(f"site.page_limits.{glob}", str(exc))
                    continue
                if not _check_range(count, 0, MAX_PAGES, integer=True):
                    problem(f"site.page_limits.{glob}", f"expected a page count (an integer from 0 to {MAX_PAGES:,}), got {_show(count)}")
                    continue
                limits.append((glob, count))
            out["page_limits"] = tuple(limits)
    return out


def load_endpoints(value: Any, key: str, problem: Any) -> tuple[str, ...] | None:
    """site.render_endpoints (a URL or a list of them), or None after reporting what is wrong."""
    from .crawl.remote import check_endpoint

    items = [value] if isinstance(value, str) else value
    expected = 'expected a list of browser endpoint URLs, e.g. ["ws://10.0.0.7:3000/", "http://10.0.0.8:9222"]'
    if not isinstance(items, list) or not items:
        problem(key, f"{expected}, got {_show(value)}")
        return None
    ok = True
    for i, item in enumerate(items):
        why = check_endpoint(item)
        where = f"{key}[{i}]" if key.startswith("site.") else key
        if why:
            problem(where, f"{why}, got {_show(item)}")
            ok = False
        elif item.strip() in (x.strip() for x in items[:i] if isinstance(x, str)):
            problem(where, f"{_show(item)} is listed twice")
            ok = False
    return tuple(item.strip() for item in items) if ok else None


def check_serve_host(value: Any) -> str | None:
    """Why value is not a host name or IP address browsers could connect to, or None."""
    import ipaddress

    expected = 'expected a host name or IP address of this machine, e.g. "10.0.0.5"'
    if not isinstance(value, str) or not value.strip():
        return expected
    host = value.strip()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not re.fullmatch(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?", host):
            return f"{expected} (no scheme, port or path)"
        return None
    if address.is_unspecified:
        return f"{expected}; {host} means every address of this machine to a server, but names none of them to a browser"
    if address.version == 6:
        # The fence and the page server a remote browser reaches listen on IPv4 only (crawl/fence.py).
        # (A site on an IPv6 origin renders: render.url_pattern_origin escapes it for Chromium.)
        return f"{expected}; an IPv6 address is not supported, give an IPv4 address or a host name"
    return None


def with_overrides(
    config: LinkrulesConfig,
    *,
    url: str | None = None,
    render: str | None = None,
    browser_path: str | None = None,
    render_endpoints: list[str] | None = None,
    dask: str | None = None,
) -> LinkrulesConfig:
    """The config with command-line overrides (--linkrules-url, ...) applied."""
    site = config.site
    if url is not None:  # an empty value is a mistake, not "no override"
        why = _check_url(url)
        if why:
            raise ConfigError([f"--linkrules-url: {why}"])
        start = site.start
        path = urlsplit(url.strip()).path
        if path not in ("", "/") and "start" not in (config.raw.get("site") or {}):
            start = (path,)
        site = replace(site, url=origin_of(url), root=None, warc=(), start=start)
    if render:
        if render not in RENDER_MODES:
            raise ConfigError([f'--linkrules-render: expected one of "auto", "always", "never", got "{render}"'])
        site = replace(site, render=render)
    if browser_path is not None:
        if not os.path.isfile(browser_path):
            raise ConfigError([f"--linkrules-browser-path: {browser_path or '(empty)'}: no such file; give the path of a Chromium or Chrome executable"])
        site = replace(site, browser_path=browser_path)
    if render_endpoints:  # the command line's list replaces the file's
        problems: list[str] = []
        endpoints = load_endpoints(list(render_endpoints), "--linkrules-render-endpoint", lambda k, m: problems.append(f"{k}: {m}"))
        if endpoints is None:
            raise ConfigError(problems)
        site = replace(site, render_endpoints=endpoints)
    if site.browser_path and site.render_endpoints:
        raise ConfigError([
            f"--linkrules-browser-path: not used when site.render_endpoints renders on browsers elsewhere "
            f"({config.display}); give one or the other"
        ])  # fmt: skip
    if site.render_serve_host and not site.render_endpoints:
        raise ConfigError([
            f"{config.display}: site.render_serve_host: only browsers elsewhere read it: set site.render_endpoints "
            "(or pass --linkrules-render-endpoint), or remove it"
        ])  # fmt: skip
    if dask is not None:
        why = dask_problem(dask)
        if why:
            raise ConfigError([f"--linkrules-dask: {why}"])
        site = replace(site, dask=dask.strip())
    config = replace(config, site=site)
    problems = check_applicable(config)
    if problems:
        raise ConfigError(problems)
    return config


def check_applicable(config: LinkrulesConfig) -> list[str]:
    """One line per [site] key the user wrote that the configured kind of crawl would not read.

    Checked once the command line is applied: a config with ``root`` and
    ``rate_limit`` is fine when ``--linkrules-url`` makes it a URL crawl.
    """
    given = config.raw.get("site") or {}
    if config.site.url:
        if "dask" in given:  # every other key applies to a deployed site (root and url together are refused on load)
            return [f"{config.display}: site.dask: applies to a folder or site.warc, not to a deployed site (site.url): pages are fetched one by one; remove the key"]
        return []
    problems = []
    if "warc" in given:
        for key in given:
            if key not in WARC_KEYS:
                problems.append(
                    f"{config.display}: site.{key}: does not apply with site.warc (the pages are the WARC's records, "
                    "already fetched); remove the key, or crawl the site by root or url instead of warc"
                )
        if given.get("render", "auto") == "always":
            problems.append(
                f'{config.display}: site.render: "always" does not apply with site.warc: its pages are read as the '
                'crawler captured them (a browser-based crawler such as Browsertrix stores rendered pages); use "auto" or "never"'
            )
        return problems
    for key in URL_ONLY_KEYS:
        if key not in given or (key == "hash_routes" and given[key] is False):
            continue  # hash_routes = false says what a folder crawl does anyway
        if key == "hash_routes":
            why = (
                "applies only to a deployed site (site.url or --linkrules-url): a folder's pages are its files, and "
                "#/route pages exist only in a browser running the app; serve the built app and set "
                'url = "http://127.0.0.1:PORT" instead of root'
            )
        else:
            why = (
                f"applies only to a deployed site (site.url or --linkrules-url); this config crawls the folder "
                f'"{given.get("root", "")}", which would ignore it: remove the key, or crawl the site by url'
            )
        problems.append(f"{config.display}: site.{key}: {why}")
    return problems
