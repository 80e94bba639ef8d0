"""Secrets from the environment: checked before they are sent, and masked in what the crawl hands on.

A staging site may echo the token, cookie or basic-auth value it was sent
(a session id in a link, a debug page's title). Every string a deployed
crawl produces (page URLs, titles, anchors, hrefs, errors, notes) passes the
``Redactor`` once, in crawl/http.py, before any report, export, snapshot or
cache sees it, as CI runners mask secrets in their logs. The forms masked:
the value, its percent-encodings, and for basic auth ``user:password`` and
its base64 (what the Authorization header carries).
"""

from __future__ import annotations

import base64
import dataclasses
import re
from typing import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
# Shorter values would mask ordinary text everywhere ("1", "on"); they are not secrets worth the name.
MIN_SECRET = 4

# What an HTTP header value (and so a cookie) can carry: visible ASCII, space and tab.
_NOT_HEADER = re.compile(r"[^\t\x20-\x7e]")


def header_problem(value: str, cookie: bool = False) -> str | None:
    """Why a value can't be sent in a header (naming the kind of character, never the value), or None."""
    if "\r" in value or "\n" in value:
        return "holds a line break (CR or LF), which can't be sent in an HTTP header"
    bad = _NOT_HEADER.search(value)
    if bad:
        what = "a control character" if ord(bad.group()) < 0x20 or ord(bad.group()) == 0x7F else "a character that is not ASCII"
        return f"holds {what} (at position {bad.start() + 1}); HTTP header values must be printable ASCII"
    if cookie and ";" in value:
        return 'holds ";", which would end the cookie and start another'
    return None


def credential_problem(value: str, user: bool = False) -> str | None:
    """Why a basic-auth user name or password can't be used, or None."""
    if re.search(r"[\x00-\x1f\x7f]", value):
        return "holds a control character (a line break?), which can't be sent"
    if user and ":" in value:
        return 'holds ":", which can\'t be in a basic-auth user name'
    return None


def secret_forms(headers: Iterable[str], cookies: Iterable[str], basic: tuple[str, str] | None) -> set[str]:
    """Every spelling of the secrets that a site could echo back."""
    values = set(cookies)
    for value in headers:
        values.add(value)
        # "Bearer TOKEN": the token alone is what a site would echo.
        words = value.split()
        values.update(words[1:] if len(words) > 1 else ())
    if basic is not None:
        user, password = basic
        pair = f"{user}:{password}"
        values.update({password, pair, base64.b64encode(pair.encode()).decode()})
    forms: set[str] = set()
    for value in values:
        if len(value) < MIN_SECRET:
            continue
        forms.update({value, quote(value, safe=""), quote(value), quote_plus(value)})
    return forms


class Redactor:
    """Replaces every known form of the secrets with ``***``; a no-op without secrets."""

    def __init__(self, forms: Iterable[str] = ()) -> None:
        ordered = sorted(set(forms), key=len, reverse=True)  # the longest first: a form can hold another
        # Percent-escapes may come back in lower case (%2f): the encoded forms match either case.
        self._pattern = re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def holds(self, text: str) -> bool:
        return self._pattern is not None and bool(text) and self._pattern.search(text) is not None

    def page(self, page: object) -> object:
        """A Page with every string in it (and in its links) masked."""
        if self._pattern is None:
            return page
        return dataclasses.replace(
            page,  # type: ignore[arg-type]
            url=self(page.url),  # type: ignore[attr-defined]
            source=self(page.source),  # type: ignore[attr-defined]
            title=self(page.title),  # type: ignore[attr-defined]
            canonical=self(page.canonical) if page.canonical else page.canonical,  # type: ignore[attr-defined]
            error=self(page.error),  # type: ignore[attr-defined]
            links=tuple(self._link(link) for link in page.links),  # type: ignore[attr-defined]
            broken=tuple(self._link(link) for link in page.broken),  # type: ignore[attr-defined]
        )

    def _link(self, link: object) -> object:
        return dataclasses.replace(link, target=self(link.target), href=self(link.href), anchor=self(link.anchor))  # type: ignore[arg-type, attr-defined]
