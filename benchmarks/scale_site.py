"""A site of a million pages built in memory as the crawl would hand it over: Page and Link objects.

No HTML is written or parsed (1M pages of HTML would be ~47 GB, and the crawl
is measured elsewhere): ``make_crawl`` returns the CrawlResult a folder crawl
of such a site would give: each page's links numbered by a worker's LinkTable
and unpacked by the parent's LinkReceiver, as the crawl does
(crawl/linktable.py), so pages share one Link object per distinct link and
hold their links' numbers, and the graph, the rules, the items and the
reports see what they would after a real crawl.

The shape, for ``n`` pages (sizes are approximate; the figures are printed):

* a home page, 16 sections (``/sec{k}/``), footer pages (``/about/``,
  ``/contact/``, a noindex ``/search/``) and a ``/tags/`` index: these 21
  links are the navigation of every page (chrome);
* categories (``/sec{k}/cat{c}/``, ~900 posts each) listing 20 posts a page,
  their listing pages (``/sec{k}/cat{c}/page/{p}/``) linked from numbered
  pagination; in a few categories the pagination is "next" only (older
  archives), so their posts sink deep;
* ~89 % posts (``/sec{k}/cat{c}/post-{i}/``): navigation, a breadcrumb, the
  previous and next post of the category, two related posts nearby, three
  tags (Zipf-sized), text for link suggestions; a few with a ``#comments``
  link, a nofollow link, a broken link, a link to a redirecting old URL, a
  JS-only link, a "read more" link to their section;
* tag archives (``/tag/tag-{t}/`` and next-only ``.../page/{p}/``, 50 posts a page);
* planted problems at realistic rates: orphans (0.5 % of posts), posts
  reachable only through tag archives (0.5 %), canonical-to-index listing
  pages in 2 % of categories, a sitemap missing 0.5 % of pages and listing
  the orphans, 100 meta-refresh redirect pages.

``variant="base"`` gives the same site before a change: a fifth of the
orphans and archive-only posts were still listed, and one fewer category had
next-only pagination, so the change rules (``--linkrules-compare``) find what
the change made worse.

``config_text`` is a linkrules.toml with every built-in rule, tuned so that
only the planted problems fail.
"""

from __future__ import annotations

import math
import time
from array import array
from dataclasses import dataclass
from itertools import chain

import numpy as np

from pytest_linkrules.crawl import CrawlResult
from pytest_linkrules.crawl.linktable import LinkReceiver, LinkTable
from pytest_linkrules.fragments import pack_ids
from pytest_linkrules.model import CONTENT, FRAGMENT, JS_ONLY, NOFOLLOW, REDIRECT, Link, Page

SIZES = {"10k": 10_000, "100k": 100_000, "300k": 300_000, "1m": 1_000_000}
SECTIONS = 16
POSTS_PER_CATEGORY = 900
PER_LISTING = 20
PER_TAG_PAGE = 50
WORDS = (
    "image compression cache latency render index query schema token parser graph crawler sitemap anchor "
    "layout theme plugin deploy build release review testing coverage fixture profile memory thread socket "
    "router server client cookie session header footer search filter sort page archive category tag guide "
    "tutorial reference install config option error warning debug trace metric budget quota storage backup"
).split()


@dataclass
class ScaleSite:
    crawl: CrawlResult
    figures: dict


def _title(url: str) -> str:
    return url.strip("/").replace("/", " ").replace("-", " ").title() or "Home"


def make_crawl(n: int = 1_000_000, seed: int = 1, variant: str = "head") -> ScaleSite:
    """About ``n`` pages with ~30 links each; the same numbers give the same site."""
    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    n_posts = max(200, int(n / 1.115))
    n_cat = max(SECTIONS, n_posts // POSTS_PER_CATEGORY)
    n_tags = max(5, n_posts // 150)

    sections = [f"/sec{k}/" for k in range(SECTIONS)]
    footer = ["/tags/", "/about/", "/contact/", "/search/"]
    nav = tuple(Link(u, u, _title(u), 0) for u in ["/"] + sections + footer)  # chrome: no CONTENT bit
    cat_section = np.arange(n_cat) % SECTIONS
    cat_url = [f"/sec{cat_section[c]}/cat{c}/" for c in range(n_cat)]
    crumb = [Link(sections[cat_section[c]], sections[cat_section[c]], "Up", 0) for c in range(n_cat)]

    # Posts: category round-robin, position within it; special sets by random draw.
    post_cat = np.arange(n_posts) % n_cat
    post_url = [f"{cat_url[c]}post-{i}/" for i, c in enumerate(post_cat.tolist())]
    draw = rng.random(n_posts)
    orphan = draw < 0.005
    archive_only = (draw >= 0.005) & (draw < 0.010)
    if variant == "base":  # before the change, a fifth of each set was still listed
        orphan = draw < 0.004
        archive_only = (draw >= 0.005) & (draw < 0.009)
    unlisted = orphan | archive_only
    n_deep = max(1, n_cat // 50)
    deep_cats = set(rng.choice(n_cat, size=n_deep + 1, replace=False).tolist())
    if variant == "base":
        deep_cats.pop()
    canonical_cats = set(rng.choice(n_cat, size=max(1, n_cat // 50), replace=False).tolist())
    cluster_cats = [k for k in range(3) if k < n_cat]  # category k is in section k

    # Tags: three each, Zipf-like sizes; orphans have none.
    tags = (n_tags * rng.random((n_posts, 3)) ** 3).astype(np.int64)
    tag_url = [f"/tag/tag-{t}/" for t in range(n_tags)]
    tag_link = [Link(u, u, f"tag {t}", CONTENT) for t, u in enumerate(tag_url)]

    # The listed posts of each category, in order: listings, prev/next and related links use these.
    listed_by_cat: list[list[int]] = [[] for _ in range(n_cat)]
    for i in np.flatnonzero(~unlisted).tolist():
        listed_by_cat[post_cat[i]].append(i)
    title = [f"Post {i}: {WORDS[i % len(WORDS)]} {WORDS[(i // 7) % len(WORDS)]}" for i in range(n_posts)]
    post_link = [None] * n_posts  # one shared Link per post (same anchor from every page), made on first use

    def link_to(i: int) -> Link:
        link = post_link[i]
        if link is None:
            link = post_link[i] = Link(post_url[i], post_url[i], title[i], CONTENT)
        return link

    sentences = [" ".join(WORDS[(k * 7 + j * 3) % len(WORDS)] for j in range(40)) for k in range(200)]
    ids = pack_ids(["comments", "section-1", "section-2"])
    pages: dict[str, Page] = {}
    pillar_of = {c: sections[cat_section[c]] for c in cluster_cats}

    # Posts.
    r = rng.random((n_posts, 8))
    related_off = rng.integers(2, 20, (n_posts, 2))
    old_urls = [f"/old/{k}/" for k in range(100)]
    for c in range(n_cat):
        listed = listed_by_cat[c]
        pos_of = {i: p for p, i in enumerate(listed)}
        members = [i for i in range(c, n_posts, n_cat)]
        for i in members:
            u = post_url[i]
            links = list(nav)
            links.append(crumb[c])
            p = pos_of.get(i)
            if p is not None:
                if p > 0:
                    links.append(link_to(listed[p - 1]))
                if p + 1 < len(listed):
                    links.append(link_to(listed[p + 1]))
                for off in related_off[i].tolist():
                    q = p + off if p + off < len(listed) else p - off
                    if 0 <= q < len(listed) and q != p:
                        links.append(link_to(listed[q]))
            elif len(listed) > 1:  # an unlisted post still links out
                links.append(link_to(listed[0]))
            if not orphan[i]:
                links.extend(tag_link[t] for t in dict.fromkeys(tags[i].tolist()))
            ri = r[i]
            broken: tuple[Link, ...] = ()
            if c in pillar_of and ri[0] >= 0.03:
                links.append(Link(pillar_of[c], pillar_of[c], "the guide", CONTENT))
            if ri[1] < 0.02:
                s = sections[cat_section[c]]
                links.append(Link(s, s, "read more", CONTENT))
            if ri[2] < 0.10 and p is not None and p + 1 < len(listed):
                t = post_url[listed[p + 1]]
                frag = "#coments" if ri[3] < 0.01 else "#comments"
                links.append(Link(t, t + frag, "Comments", CONTENT | FRAGMENT))
            if ri[4] < 0.001 and len(links) > 26:
                x = links[26]
                links.append(Link(x.target, x.href, x.anchor, x.flags | NOFOLLOW))
            if ri[5] < 0.002:
                missing = f"{cat_url[c]}post-{i}-draft/"
                broken = (Link(missing, missing, "draft", CONTENT),)
            if ri[6] < 0.001:
                old = old_urls[i % len(old_urls)]
                links.append(Link(old, old, "old address", CONTENT))
            if ri[7] < 0.001:
                s = sections[cat_section[c]]
                links.append(Link(s, s, "Recommended", CONTENT | JS_ONLY))
            pages[u] = Page(
                url=u,
                source=u.strip("/") + "/index.html",
                title=title[i],
                links=tuple(links),
                broken=broken,
                rendered=True,
                text=f"{title[i]}\n{sentences[i % len(sentences)]}",
                ids=ids,
            )

    # Categories and their listing pages.
    for c in range(n_cat):
        listed = listed_by_cat[c]
        n_list = max(1, math.ceil(len(listed) / PER_LISTING))
        urls = [cat_url[c]] + [f"{cat_url[c]}page/{p}/" for p in range(2, n_list + 1)]
        pager = [Link(u, u, str(p + 1), 0) for p, u in enumerate(urls)]
        deep = c in deep_cats
        for p, u in enumerate(urls):
            links = list(nav)
            links.append(crumb[c])
            links.extend(link_to(i) for i in listed[p * PER_LISTING : (p + 1) * PER_LISTING])
            if deep:
                if p > 0:
                    links.append(pager[p - 1])
                if p + 1 < n_list:
                    links.append(pager[p + 1])
            else:  # numbered: a window of 10 each side, first and last
                lo, hi = max(0, p - 10), min(n_list, p + 11)
                links.extend(pager[lo:hi])
                if lo > 0:
                    links.append(pager[0])
                if hi < n_list:
                    links.append(pager[-1])
            canonical = cat_url[c] if c in canonical_cats and p > 0 else None
            pages[u] = Page(url=u, source=u.strip("/") + "/index.html", title=_title(u), canonical=canonical,
                            links=tuple(links), rendered=True, text=_title(u))

    # Tag archives: next-only pagination.
    members_of_tag: list[list[int]] = [[] for _ in range(n_tags)]
    for i in np.flatnonzero(~orphan).tolist():
        for t in dict.fromkeys(tags[i].tolist()):
            members_of_tag[t].append(i)
    tag_pages = []
    for t in range(n_tags):
        posts = members_of_tag[t]
        n_list = max(1, math.ceil(len(posts) / PER_TAG_PAGE))
        urls = [tag_url[t]] + [f"{tag_url[t]}page/{p}/" for p in range(2, n_list + 1)]
        for p, u in enumerate(urls):
            links = list(nav)
            links.extend(link_to(i) for i in posts[p * PER_TAG_PAGE : (p + 1) * PER_TAG_PAGE])
            if p > 0:
                links.append(Link(urls[p - 1], urls[p - 1], "Newer", 0))
            if p + 1 < n_list:
                links.append(Link(urls[p + 1], urls[p + 1], "Older", 0))
            pages[u] = Page(url=u, source=u.strip("/") + "/index.html", title=f"Tag {t}", links=tuple(links),
                            rendered=True, text=f"Tag {t}")
        tag_pages.append(len(urls))

    # Home, sections, footer pages, the tag index, old URLs that redirect.
    latest = [link_to(i) for i in np.flatnonzero(~unlisted)[-20:].tolist()]
    pages["/"] = Page(url="/", source="index.html", title="Home", links=nav + tuple(latest), rendered=True, text="Home")
    for k, s in enumerate(sections):
        cats = tuple(Link(cat_url[c], cat_url[c], _title(cat_url[c]), CONTENT) for c in range(k, n_cat, SECTIONS))
        pages[s] = Page(url=s, source=s.strip("/") + "/index.html", title=f"Section {k}", links=nav + cats,
                        rendered=True, text=f"Section {k} {sentences[k]}")
    pages["/tags/"] = Page(url="/tags/", source="tags/index.html", title="Tags", links=nav + tuple(tag_link), rendered=True)
    for u in ("/about/", "/contact/", "/search/"):
        pages[u] = Page(url=u, source=u.strip("/") + "/index.html", title=_title(u), links=nav, rendered=True,
                        noindex=u == "/search/")
    for k, u in enumerate(old_urls):
        t = post_url[(k * 7919) % n_posts]
        pages[u] = Page(url=u, source=u.strip("/") + "/index.html", title="Moved",
                        links=(Link(t, t, "(meta refresh)", CONTENT | REDIRECT),), rendered=True)

    pages = _hand_over(pages)

    # The sitemap: every generated page (orphans too) but a random 0.5 %.
    all_urls = list(pages)
    keep = rng.random(len(all_urls)) >= 0.005
    sitemap = [u for u, k in zip(all_urls, keep.tolist()) if k]
    seconds = time.perf_counter() - began
    crawl = CrawlResult(
        pages=pages,
        starts=("/",),
        source=f"generated site ({len(pages):,} pages, benchmarks/scale_site.py, {variant})",
        seconds=seconds,
        render="always",
        render_reason="generated in memory",
        sitemap_urls=sitemap,
    )
    figures = {
        "pages": len(pages),
        "links": sum(len(p.links) for p in pages.values()),
        "posts": n_posts,
        "categories": n_cat,
        "tags": n_tags,
        "tag_pages": sum(tag_pages),
        "orphans_planted": int(orphan.sum()),
        "archive_only_planted": int(archive_only.sum()),
        "seconds": seconds,
    }
    return ScaleSite(crawl, figures)


def _hand_over(pages: dict[str, Page]) -> dict[str, Page]:
    """The pages as the crawl's parent receives them: links numbered by a worker's LinkTable, unpacked by a LinkReceiver.

    So the pages hold what a crawled page holds (crawl/linktable.py): shared
    Link objects, and their numbers in the table, which the graph build reads.
    """
    table, receiver = LinkTable(), LinkReceiver()
    every = list(chain.from_iterable(chain.from_iterable((p.links, p.broken) for p in pages.values())))
    distinct = dict(zip(map(id, every), every))  # every page is alive here, so ids are distinct
    del every
    number = {key: table.number(link.target, link.href, link.anchor, link.flags) for key, link in distinct.items()}.__getitem__
    receiver.receive(0, table.new_links())
    out: dict[str, Page] = {}
    for url in list(pages):  # each page leaves as its copy arrives, so memory holds one of them, as a crawl's parent does
        page = pages.pop(url)
        # From lists, sized exactly, as the arrays a worker pickles arrive.
        links, broken = array("I", list(map(number, map(id, page.links)))), array("I", list(map(number, map(id, page.broken))))
        out[url] = receiver.unpack(0, (page, links, broken))  # unpack puts the links it numbered in their place
    del distinct, number
    return out


CONFIG = """# Written by benchmarks/bench_scale.py: every built-in rule on the generated site of scale_site.py.
[site]
root = "."
start = ["/"]
render = "never"

[roles]
pillar = ["/sec*/"]

[[clusters]]
pillar = "/sec0/"
members = ["/sec0/cat0/*/"]

[[clusters]]
pillar = "/sec1/"
members = ["/sec1/cat1/*/"]

[[clusters]]
pillar = "/sec2/"
members = ["/sec2/cat2/*/"]

[rules.max-depth]
max = 6
pages = ["/sec*/**"]

[rules.min-inlinks]
pages = ["@pillar"]
min = 3

[rules.no-orphans]

[rules.no-archive-only]
archives = ["/tag/**"]

[rules.no-broken-links]

[rules.min-content-inlinks]
pages = ["@pillar"]
min = 3

[rules.cluster-links]
min_share = 0

[rules.link-score]
pages = ["@pillar"]
top_percent = 1

[rules.max-outlinks]
max = 300

[rules.anchor-text]
pages = ["@pillar"]

[rules.no-redirect-links]

[rules.no-nofollow-internal]

[rules.no-links-to-noindex]

[rules.no-links-to-non-canonical]

[rules.sitemap-consistency]

[rules.js-only-links]
pages = ["@pillar"]

[rules.no-new-orphans]

[rules.no-deeper-pages]

[rules.no-lost-inlinks]
pages = ["/sec*/**"]

[rules.no-lost-link-score]
pages = ["@pillar"]
"""


def config_text() -> str:
    return CONFIG
