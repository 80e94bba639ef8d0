"""Pages of one template, and what rendering a sample of them says about the rest.

``render = "auto"`` can't afford a browser load per page on a large site (a
real docs page costs 0.1-0.2 s of CPU to render), and it needn't: pages that
run the same scripts are built by the same code, so a few rendered pages of a
template show what rendering does to all of them. Pages are grouped by the
scripts they load (``Page.template``); a spread sample of each group is
rendered; then one of these holds for the whole group, checked on every
sampled page:

- rendering changes no link: the group is read as HTML;
- rendering adds (or drops) the same links on every sampled page, either the
  same targets or the same hrefs resolved against each page: the rest of the
  group is *inferred*, its HTML links plus that difference;
- a site model (``crawl/sitemodels.py``) predicts each sampled page's rendered
  links exactly from the site's own data files: the rest is inferred from it;
- none of these: every page of the group is rendered.

An inference is only used when it reproduces every sampled page exactly
(targets, anchors, content/chrome and nofollow flags, broken links); any
sampled page it misses sends the group to the browser. benchmarks/
bench_real_sites.py compares inferred crawls with full renders of real sites.
"""

from __future__ import annotations

import dataclasses
import hashlib
import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..fragments import pack_ids, unpack_ids
from ..model import JS_ONLY, Link, Page


def renderable(page: Page) -> bool:
    """Worth rendering: scripts could change it. A meta-refresh stub is left as read:
    the browser would follow the refresh and read the next page instead."""
    return page.has_scripts and not page.error and not any(link.is_redirect for link in page.links + page.broken)


def nothing_to_render(mode: str, pages: Mapping[str, Page]) -> str | None:
    """Why no browser is needed at all (the header's reason), or None.

    Here, not in rendering.py, so that a crawl that needs no browser never
    imports the rendering modules (asyncio, http.server, the browser code).
    """
    if mode == "never":
        return 'render = "never"'
    if not any(renderable(p) for p in pages.values()):
        return "no page has a <script>, so rendering would change nothing"
    return None

# Rendered pages of one template that must agree before the rest is inferred:
# more for large groups, where a wrong inference would cost more.
MIN_AGREEING = 2
MAX_SAMPLE = 8

LinkKey = tuple[str, str, int]  # (target or href, anchor, flags without JS_ONLY)


def script_template(url: str, srcs: Iterable[str]) -> int:
    """A stable number for the set of scripts a page loads, srcs resolved against its URL.

    Relative srcs are resolved so that ``../js/nav.js`` in two folders is one
    script. Inline scripts don't count: their text differs page by page on
    generated sites (Doxygen's ``initNavTree('a123.html')``). Pages with inline
    scripts only are told apart by their first path segment.
    """
    folder = url.rsplit("/", 1)[0] + "/"
    names = set()
    for src in srcs:
        path = src.split("#")[0]
        if "://" in path or path.startswith("//"):
            names.add(path)
        else:
            path = path.split("?")[0]
            names.add(posixpath.normpath(path if path.startswith("/") else folder + path))
    if not names:
        parts = [p for p in url.split("/") if p]
        names.add("inline only, in /" + (parts[0] if len(parts) > 1 else ""))
    h = hashlib.blake2b(digest_size=8)
    for name in sorted(names):
        h.update(name.encode("utf-8", "surrogatepass") + b"\0")
    return int.from_bytes(h.digest(), "big") or 1


@dataclass
class Group:
    """Pages with scripts that share a template, and what was decided for them."""

    template: int
    urls: list[str]
    sample: list[str] = field(default_factory=list)
    verdict: str = ""  # "static" | "inferred" | "render" (to do) | "rendered" | "over budget"
    how: str = ""  # why, for the report header
    misses: list[str] = field(default_factory=list)  # pages of an inferred group its inference doesn't fit
    # A family: templates whose scripts one site model knows (crawl/rustdoc.py),
    # sampled and inferred together; the model, and the templates it joined.
    model: Any = None
    members: list["Group"] = field(default_factory=list)

    @property
    def example(self) -> str:
        return self.urls[0]


def largest_first(group: Group) -> tuple[int, str]:
    """The order groups are sampled in: largest first, ties by first URL."""
    return -len(group.urls), group.urls[0]


def group_pages(pages: Mapping[str, Page], urls: Iterable[str]) -> list[Group]:
    """Groups of the given pages by template, largest first (ties by first URL)."""
    by_template: dict[int, list[str]] = defaultdict(list)
    for url in urls:
        by_template[pages[url].template].append(url)
    return sorted((Group(t, sorted(us)) for t, us in by_template.items()), key=largest_first)


def sample_size(n: int) -> int:
    """A group of 1-3 pages is all sample; larger ones get 3, up to MAX_SAMPLE for thousands."""
    if n <= 3:
        return n
    return min(MAX_SAMPLE, 3 + n // 500)


def choose_group_sample(group: Group, starts: Sequence[str]) -> list[str]:
    """Start pages of the group, then pages spread evenly over its sorted URLs."""
    k = sample_size(len(group.urls))
    members = set(group.urls)
    chosen = [s for s in starts if s in members][:k]
    step = len(group.urls) / max(1, k)
    i = 0.0
    while len(chosen) < k and i < len(group.urls):
        url = group.urls[int(i)]
        if url not in chosen:
            chosen.append(url)
        i += step
    for url in group.urls:  # fill up when evenly spaced picks were start pages
        if len(chosen) >= k:
            break
        if url not in chosen:
            chosen.append(url)
    return chosen


def _key(link: Link, by_href: bool) -> LinkKey:
    return (link.href if by_href else link.target, link.anchor, link.flags & ~JS_ONLY)


def _multiset(links: Iterable[Link], by_href: bool = False) -> Counter[LinkKey]:
    return Counter(_key(link, by_href) for link in links)


def same_page(a: Page, b: Page) -> bool:
    """Equal for the graph and the rules: links and broken links as multisets, canonical, robots."""
    return (
        _multiset(a.links) == _multiset(b.links)
        and _multiset(a.broken) == _multiset(b.broken)
        and (a.canonical, a.noindex, a.nofollow) == (b.canonical, b.noindex, b.nofollow)
    )


@dataclass(frozen=True)
class Delta:
    """What rendering did to one page's links: added and removed, links and broken links."""

    by_href: bool
    added: tuple[tuple[LinkKey, int], ...]
    removed: tuple[tuple[LinkKey, int], ...]
    added_broken: tuple[tuple[LinkKey, int], ...]
    removed_broken: tuple[tuple[LinkKey, int], ...]

    @classmethod
    def between(cls, static: Page, rendered: Page, by_href: bool) -> "Delta":
        def diff(a: Counter[LinkKey], b: Counter[LinkKey]) -> tuple[tuple[LinkKey, int], ...]:
            return tuple(sorted((a - b).items()))

        s, r = _multiset(static.links, by_href), _multiset(rendered.links, by_href)
        sb, rb = _multiset(static.broken, by_href), _multiset(rendered.broken, by_href)
        return cls(by_href, diff(r, s), diff(s, r), diff(rb, sb), diff(sb, rb))

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.added_broken or self.removed_broken)

    def describe(self) -> str:
        n_add = sum(n for _, n in self.added) + sum(n for _, n in self.added_broken)
        n_gone = sum(n for _, n in self.removed) + sum(n for _, n in self.removed_broken)
        parts = []
        if n_add:
            parts.append(f"adds the same {n_add} link{'s' if n_add != 1 else ''}")
        if n_gone:
            parts.append(f"drops the same {n_gone}")
        what = " and ".join(parts)
        return what + (" (the same hrefs, resolved against each page)" if self.by_href else "")


# A predictor gives a page's rendered links from its HTML-read page; None when it can't.
Predict = Callable[[Page], "Page | None"]


def delta_predictor(
    delta: Delta,
    examples: Mapping[LinkKey, Link],
    resolve: Callable[[Page, list[Link]], tuple[list[Link], list[Link]]],
    rooted: Mapping[LinkKey, str] = {},
    ids: Sequence[str] = (),
) -> Predict:
    """Applies one Delta to any page of the group.

    ``examples`` holds a rendered Link for each added key, so inferred pages
    share those Link objects (memory stays that of one page's links). For a
    delta by href, ``resolve(page, links)`` resolves the added links' hrefs
    against the page and sorts them into (links, broken). ``rooted``
    (root_relative_hrefs) gives the href below the root of the added links
    whose href climbs to the root from each page: theirs is made per depth.
    ``ids`` are added to each page's ids (_ids_added).
    """
    made: dict[tuple[int, LinkKey], Link] = {}

    def added(key: LinkKey, depth: int) -> Link:
        tail = rooted.get(key)
        if tail is None:
            return examples[key]
        link = made.get((depth, key))
        if link is None:
            link = made[(depth, key)] = dataclasses.replace(examples[key], href="../" * depth + tail)
        return link

    def apply(page: Page) -> Page | None:
        links = _remove(page.links, delta.removed, delta.by_href)
        broken = _remove(page.broken, delta.removed_broken, delta.by_href)
        if links is None or broken is None:
            return None  # it lacks a link the others lost: not like them
        depth = _depth(page.url)
        more = [added(key, depth) for key, n in delta.added for _ in range(n)]
        more_broken = [added(key, depth) for key, n in delta.added_broken for _ in range(n)]
        if delta.by_href:  # the same hrefs, which may name other pages from here
            more, more_broken = resolve(page, more + more_broken)
        page_ids = page.ids
        if ids:
            own = unpack_ids(page.ids)
            have = set(own)
            page_ids = pack_ids(own + [i for i in ids if i not in have])
        return dataclasses.replace(page, links=tuple(links) + tuple(more), broken=tuple(broken) + tuple(more_broken), ids=page_ids)

    return apply


def _depth(url: str) -> int:
    """Folders between the site's root and a page: "../" climbs to the root from it that many times."""
    return max(url.count("/") - 1, 0)


def root_relative_hrefs(rendered: Mapping[str, Page], keys: Iterable[LinkKey]) -> dict[LinkKey, str]:
    """For added links (keys by target) whose href differs between the sampled pages, the part below the root,
    where every sampled page reaches the target by climbing to the root first ("../" per folder, as rustdoc's
    rootPath and mdBook's path_to_root write them). A delta by target alone would give every page the href
    of the page it was learned on: the right target, but ``../../x`` where the page has ``../../../x``."""
    wanted = set(keys)
    seen: dict[LinkKey, set[tuple[int, str]]] = defaultdict(set)
    for url, page in rendered.items():
        depth = _depth(url)
        for link in page.links + page.broken:
            key = _key(link, False)
            if key in wanted:
                seen[key].add((depth, link.href))
    out = {}
    for key, pairs in seen.items():
        if len({href for _, href in pairs}) < 2:
            continue  # one href on every sampled page: the example's
        tails = {href[3 * depth :] if href.startswith("../" * depth) and not href[3 * depth :].startswith("../") else None for depth, href in pairs}
        if len(tails) == 1 and None not in tails:
            out[key] = tails.pop()
    return out


def _remove(links: Sequence[Link], removed: Sequence[tuple[LinkKey, int]], by_href: bool) -> list[Link] | None:
    if not removed:
        return list(links)
    left = dict(removed)
    kept = []
    for link in links:
        key = _key(link, by_href)
        if left.get(key, 0) > 0:
            left[key] -= 1
        else:
            kept.append(link)
    return None if any(left.values()) else kept


def learn_delta(
    static: Mapping[str, Page],
    rendered: Mapping[str, Page],
    resolve: Callable[[Page, list[Link]], tuple[list[Link], list[Link]]],
    base: Predict | None = None,
) -> tuple[Predict, Delta] | None:
    """A Delta every sampled page agrees on, by target first, then by href; None if neither.

    With ``base`` (a site model), the Delta is what rendering does beyond the
    model's prediction: Doxygen's menu bar, say, on top of its nav tree.
    """
    before: dict[str, Page] = {}
    for url in rendered:
        guess = base(static[url]) if base is not None else static[url]
        if guess is None:
            return None
        before[url] = guess
    for by_href in (False, True):
        deltas = {Delta.between(before[u], rendered[u], by_href) for u in rendered}
        if len(deltas) != 1:
            continue
        delta = deltas.pop()
        examples: dict[LinkKey, Link] = {}
        for page in rendered.values():
            for link in page.links + page.broken:
                examples.setdefault(_key(link, by_href), link)
        rooted = {} if by_href else root_relative_hrefs(rendered, (k for k, _ in delta.added + delta.added_broken))
        ids = _ids_added(before, rendered)
        apply = delta_predictor(delta, examples, resolve, rooted, ids)
        if base is None:
            predict = apply
        elif delta.empty and not ids:
            predict = base  # the model's pages as they are (a model may number their links: crawl/rustdoc.py)
        else:
            model = base

            def predict(page: Page) -> Page | None:
                guess = model(page)
                return None if guess is None else apply(guess)

        if all(_predicts(predict, static[u], rendered[u]) for u in rendered):
            return predict, delta
    return None


def _ids_added(before: Mapping[str, Page], rendered: Mapping[str, Page]) -> tuple[str, ...]:
    """Ids rendering added on every sampled page (the source view's "source-sidebar", say), which inferred pages get too.

    Ids don't decide an inference (fragment links into a page are checked
    against them later), so only those every sample agrees on are added.
    """
    common: set[str] | None = None
    for url, page in rendered.items():
        new = set(unpack_ids(page.ids)) - set(unpack_ids(before[url].ids))
        common = new if common is None else common & new
    return tuple(sorted(common or ()))


def _predicts(predict: Predict, static: Page, rendered: Page) -> bool:
    guess = predict(static)
    return guess is not None and same_page(guess, rendered)


def with_js_only(static: Page, page: Page, shared: dict[Link, Link]) -> Page:
    """A rendered or inferred page as the crawl keeps it: links its HTML lacks flagged JS_ONLY.

    ``shared`` maps a link to its JS_ONLY twin, so pages share one.
    """
    before = {link.target for link in static.links + static.broken}
    links = []
    for link in page.links:
        if link.target not in before and not link.flags & JS_ONLY:
            twin = shared.get(link)
            if twin is None:
                twin = shared[link] = dataclasses.replace(link, flags=link.flags | JS_ONLY)
            link = twin
        links.append(link)
    return with_html_facts(static, dataclasses.replace(page, links=tuple(links)))


def with_html_facts(static: Page, page: Page) -> Page:
    """What the HTML told about the page stays: roles matched by CSS selector
    (js-only-links and roles read them), its scripts and its text."""
    return dataclasses.replace(
        page, roles=page.roles or static.roles, template=static.template,
        script_digest=static.script_digest, has_scripts=static.has_scripts or page.has_scripts,
        text=page.text or static.text,  # the browser's reading keeps no text; the HTML's is the page's
    )
