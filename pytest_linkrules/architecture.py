"""The architecture linkrules.toml declares: page roles and topic clusters.

A role names a group of pages once (``[roles] pillar = ["/guides/*/"]``) so
rules can say ``pages = ["@pillar"]`` instead of repeating globs. A role is
given by URL globs, by a CSS selector present on the page (for sites whose
URLs don't show the role), or both: a page has the role if either matches.
A cluster is a topic: one pillar page and the pages that support it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from .globs import compile_glob
from .rules.base import GLOBS, ROLE_NAME, OptionError, PageSet

Problem = Callable[[str, str], None]


@dataclass(frozen=True)
class RoleDef:
    name: str
    pages: tuple[str, ...] = ()
    selector: str | None = None


@dataclass(frozen=True)
class ClusterDef:
    """One ``[[clusters]]`` entry as written: the pillar path and member globs."""

    pillar: str
    members: tuple[str, ...]
    index: int = 0  # position in the file, for messages


@dataclass(frozen=True)
class Cluster:
    """A cluster resolved against the crawled site."""

    pillar: str
    members: tuple[str, ...]
    label: str = ""  # how messages name it: clusters[0] (/guides/seo/)

    def __repr__(self) -> str:
        return f"<Cluster {self.pillar!r} members={len(self.members)}>"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def load_roles(table: Any, problem: Problem) -> tuple[RoleDef, ...]:
    """Validate ``[roles]``: name = [globs], or name = { pages = [...], selector = "..." }."""
    if table is None:
        return ()
    if not isinstance(table, dict):
        problem("roles", f'expected a table of role names, e.g. pillar = ["/guides/*/"], got {_show(table)}')
        return ()
    from .crawl.extract import selector_problem

    roles = []
    for name, value in table.items():
        key = f"roles.{name}"
        if not ROLE_NAME.match(name):
            problem(key, 'a role name uses letters, digits, "-" and "_" only')
            continue
        pages: tuple[str, ...] = ()
        selector = None
        if isinstance(value, dict):
            for sub in value:
                if sub not in ("pages", "selector"):
                    problem(f"{key}.{sub}", "unknown key (expected pages and/or selector)")
            if "pages" in value:
                try:
                    pages = GLOBS(value["pages"])
                except OptionError as exc:
                    problem(f"{key}.pages", str(exc))
            if "selector" in value:
                raw = value["selector"]
                if not isinstance(raw, str) or not raw.strip():
                    problem(f"{key}.selector", f'expected a CSS selector like "body.pillar", got {_show(raw)}')
                else:
                    why = selector_problem(raw)
                    if why:
                        problem(f"{key}.selector", f'invalid CSS selector "{raw}": {why}')
                    else:
                        selector = raw
            if "pages" not in value and "selector" not in value:
                problem(key, 'expected pages = [globs] and/or selector = "CSS selector"')
        else:
            try:
                pages = GLOBS(value)
            except OptionError as exc:
                problem(key, f'{exc}, or a table {{ pages = [...], selector = "..." }}')
                continue
        if any(p.startswith("@") for p in pages):
            problem(key, "a role is defined by URL globs or a selector, not by other roles")
            continue
        roles.append(RoleDef(name, pages, selector))
    return tuple(roles)


def load_clusters(value: Any, problem: Problem) -> tuple[ClusterDef, ...]:
    """Validate ``[[clusters]]``: each with a pillar path and member globs or @roles."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problem("clusters", 'expected [[clusters]] tables with pillar = "/path/" and members = [globs]')
        return ()
    clusters = []
    for i, table in enumerate(value):
        key = f"clusters[{i}]"
        for sub in table:
            if sub not in ("pillar", "members"):
                problem(f"{key}.{sub}", "unknown key (expected pillar and members)")
        pillar = table.get("pillar")
        ok = True
        if not isinstance(pillar, str) or not pillar.startswith("/"):
            problem(f"{key}.pillar", f'expected the pillar page\'s URL path, e.g. "/guides/seo/", got {_show(pillar)}')
            ok = False
        if "members" not in table:
            problem(f"{key}.members", 'is required, e.g. members = ["/blog/seo-*"]')
            continue
        try:
            members = GLOBS(table["members"])
        except OptionError as exc:
            problem(f"{key}.members", str(exc))
            continue
        if ok:
            clusters.append(ClusterDef(pillar, members, i))  # type: ignore[arg-type]
    return tuple(clusters)


def role_references(patterns: Iterable[str]) -> list[str]:
    return [p[1:] for p in patterns if p.startswith("@")]


def resolve_roles(roles: Iterable[RoleDef], pages: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Role name -> URLs of the pages that have it (by glob or by a matched selector)."""
    out = {}
    urls = list(pages)
    for role in roles:
        found = frozenset(PageSet(role.pages).matching(urls))
        if role.selector:  # the crawl noted the pages its selector matched
            found |= {url for url, page in pages.items() if role.name in getattr(page, "roles", ())}
        out[role.name] = found
    return out


def resolve_clusters(
    defs: Iterable[ClusterDef], urls: list[str], roles: Mapping[str, frozenset[str]]
) -> tuple[list[Cluster], list[tuple[str, str]]]:
    """Clusters with their pages, and (key, problem) pairs for pillars that aren't pages."""
    clusters, problems = [], []
    for d in defs:
        key = f"clusters[{d.index}]"
        pattern = compile_glob(d.pillar) if "*" not in d.pillar else None
        pillar = next(filter(pattern.match, urls), None) if pattern is not None else None
        if pillar is None:
            problems.append((f"{key}.pillar", f'"{d.pillar}" is not a page of the site (expected one page URL, no globs)'))
            continue
        found = tuple(u for u in PageSet(d.members, roles).matching(urls) if u != pillar)
        if not found:
            shown = ", ".join(f'"{m}"' for m in d.members)
            problems.append((f"{key}.members", f"{shown} match no page of the site"))
            continue
        clusters.append(Cluster(pillar, found, f"{key} ({pillar})"))
    return clusters, problems
