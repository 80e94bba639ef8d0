"""URL-path globs as users write them in linkrules.toml.

``*`` matches within one path segment, ``**`` across segments, ``?`` one
character, ``[abc]`` a character class. A trailing slash is optional on the
page side, so ``/guides/*`` matches ``/guides/seo/`` as well as
``/guides/seo``; it does not match ``/guides/seo/intro/``, nor ``/guides/``
itself (``/guides/**`` matches all three). Globs match page URLs, which name
``dir/index.html`` as ``/dir/``; a glob ending in ``/index.html`` (or
``.htm``) is read as ending in ``/``, so ``/guides/seo/index.html`` and
``/guides/seo/`` are the same glob.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import methodcaller
from typing import Any, Iterable, Sequence


class GlobError(ValueError):
    pass


@lru_cache(maxsize=1024)
def compile_glob(glob: str) -> re.Pattern[str]:
    """Translate a URL glob to a regex, or raise GlobError saying what is wrong."""
    if not isinstance(glob, str) or not glob:
        raise GlobError("expected a non-empty URL path glob")
    if not glob.startswith(("/", "*")):
        raise GlobError(f'expected a URL path starting with "/", got "{glob}"')
    # Page URLs name dir/index.html as /dir/, so a glob spelling the file
    # out means the folder's page.
    for index in ("/index.html", "/index.htm"):
        if glob.endswith(index):
            glob = glob[: -len(index) + 1]
    out = []
    i = 0
    n = len(glob)
    while i < n:
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                i += 2
                if glob.startswith("/", i) and out and out[-1] == "/":
                    # "/**/" also matches a single "/": /a/**/b matches /a/b
                    out.append("(?:.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            # A "*" that is a whole segment names something in the folder, not
            # the folder itself: /guides/* matches /guides/seo/, not /guides/
            # (as in a shell); /guides/** matches both.
            whole = glob[i - 1 : i] == "/" and glob[i + 1 : i + 2] in ("", "/")
            out.append("[^/]+" if whole else "[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = glob.find("]", i + 1)
            if j == -1 or j == i + 1:
                raise GlobError(f'unclosed "[" in glob "{glob}"')
            body = glob[i + 1 : j]
            negate = body.startswith("!")
            # Every character but "-" (ranges) is literal inside a class, so
            # "[[]" or "[a&&b]" can't become a regex set operation.
            literal = "".join(c if c == "-" else re.escape(c) for c in body[negate:])
            out.append("[" + ("^" if negate else "") + literal + "]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    pattern = "".join(out)
    if not pattern.endswith("/"):
        pattern += "/?"
    try:
        # DOTALL: a page URL can hold a newline (a file name, a deployed /a%0Ab),
        # and "**" must match it like any other character.
        return re.compile(pattern + r"\Z", re.DOTALL)
    except re.error as exc:
        raise GlobError(f'invalid glob "{glob}": {exc}') from None


def matches(url: str, globs: Iterable[str]) -> bool:
    return any(compile_glob(g).match(url) for g in globs)


class GlobSet:
    """A group of globs matched together, with results cached per URL."""

    def __init__(self, globs: Iterable[str]) -> None:
        self.globs = tuple(globs)
        combined = "|".join(f"(?:{compile_glob(g).pattern})" for g in self.globs)
        self._regex = re.compile(combined, re.DOTALL) if combined else None

    def __call__(self, url: str) -> bool:
        return bool(self._regex and self._regex.match(url))

    def __bool__(self) -> bool:
        return bool(self.globs)

    def matching(self, urls: Iterable[str]) -> list[str]:
        """The urls that match, in their order (filtered in C: a Python call per URL costs ~1 s at 1M pages)."""
        return list(filter(self._regex.match, urls)) if self._regex is not None else []

    def mask(self, urls: Sequence[str]) -> Any:
        """A numpy bool array: which of urls match (one C-level pass; ``/**`` alone needs no regex)."""
        import numpy as np

        n = len(urls)
        if self._regex is None:
            return np.zeros(n, dtype=bool)
        if "/**" in self.globs or "**" in self.globs:
            # "**" matches every URL and "/**" every one starting with "/": all of a site's, as a rule.
            out = np.fromiter(map(methodcaller("startswith", "/"), urls), dtype=bool, count=n)
            if "**" in self.globs or out.all():
                return np.ones(n, dtype=bool)
        return np.fromiter(map(bool, map(self._regex.match, urls)), dtype=bool, count=n)

    def __repr__(self) -> str:
        return f"GlobSet({list(self.globs)!r})"
