"""Generate a deterministic blog-like site to benchmark pytest-linkrules on.

The same seed and size always give the same bytes, so figures from different
runs (and machines) compare. The site looks like the output of a static site
generator: every page has a head with inline CSS and JSON-LD, a header nav, a
sidebar of tags and popular posts, a footer, and ~47 KB of text; posts carry
~30 contextual links; tag, category and home-page archives are paginated with
hundreds of links per page. A handful of problems is planted so every default
rule has something to report (orphans, deep pages, archive-only posts, thin
guides, broken links), as on a real site.

Usage:
    python benchmarks/generate_site.py 10k                # -> benchmarks/sites/10k/
    python benchmarks/generate_site.py 100k --out /tmp/site100k --seed 7
"""

from __future__ import annotations

import argparse
import html
import multiprocessing
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
HERE = Path(__file__).resolve().parent

WORDS = (
    "link site page search crawl index guide post archive content anchor internal depth "
    "rank graph node edge click user reader topic cluster pillar hub category tag author "
    "update build deploy static render script style layout header footer sidebar menu "
    "the a of and to in is for on with as by at from that this it be are was or an not "
    "which can more most also how what when where why who will would should could into "
    "about over under between through after before during while because since until "
    "performance structure navigation relevance authority signal quality audit report"
).split()

CATEGORIES = ("seo", "content", "analytics", "development", "design", "marketing", "tools", "news")
CSS = "body{font-family:system-ui,sans-serif;margin:0;color:#222}" * 60  # ~3.5 KB of inline CSS
N_POPULAR = 5


@dataclass
class Plan:
    """Which pages exist and how they link; everything derives from the seed."""

    seed: int
    posts: int
    guides: int
    tags: int
    post_tags: list[tuple[int, ...]]  # tags of each post
    post_guide: list[int]  # the guide each post belongs to
    tag_posts: list[list[int]]  # posts of each tag, newest first
    orphans: frozenset[int]  # posts nobody links to
    archive_only: frozenset[int]  # posts linked only from archives
    deep_chain: tuple[int, ...]  # posts linked only one after another
    thin_guides: frozenset[int]  # guides only the guide hub links to
    broken_on: frozenset[int]  # posts carrying one broken link
    per_archive: int = 200  # links per archive page (tags, categories)
    per_home: int = 50  # links per home-page pagination page


def make_plan(n_pages: int, seed: int) -> Plan:
    """Plan a site of about n_pages: posts fill what guides and archives leave."""
    guess = _make_plan(n_pages, seed, posts=max(20, int(n_pages * 0.95)))
    return _make_plan(n_pages, seed, posts=max(20, guess.posts + n_pages - len(jobs(guess))))


def _make_plan(n_pages: int, seed: int, posts: int) -> Plan:
    _CAT_CACHE.clear()
    rng = random.Random(seed)
    guides = max(N_POPULAR + 1, n_pages // 100)  # one guide besides the popular ones, for thin_guides
    tags = max(10, n_pages // 200)
    # Zipf-like tag popularity: a few tags hold thousands of posts.
    weights = [1.0 / (k + 1) ** 0.8 for k in range(tags)]
    post_tags = []
    tag_posts: list[list[int]] = [[] for _ in range(tags)]
    for p in range(posts):
        chosen = tuple(sorted(set(rng.choices(range(tags), weights, k=4))))
        post_tags.append(chosen)
    n_special = max(3, posts // 2000)
    specials = rng.sample(range(posts), 4 * n_special + 12)
    orphans = frozenset(specials[:n_special])
    archive_only = frozenset(specials[n_special : 2 * n_special])
    broken_on = frozenset(specials[2 * n_special : 3 * n_special])
    deep_chain = tuple(specials[3 * n_special : 3 * n_special + 12])
    thin_guides = frozenset(rng.sample(range(N_POPULAR, guides), max(1, guides // 500)))
    post_guide = [rng.randrange(guides) for _ in range(posts)]
    for p in range(posts - 1, -1, -1):  # newest (highest number) first
        if p in orphans or p in deep_chain:
            continue
        for t in post_tags[p]:
            tag_posts[t].append(p)
    return Plan(
        seed, posts, guides, tags, post_tags, post_guide, tag_posts,
        orphans, archive_only, deep_chain, thin_guides, broken_on,
    )


def post_url(p: int) -> str:
    return f"/blog/post-{p:06d}-{WORDS[p % 37]}-{WORDS[(p * 7) % 53]}/"


def guide_url(g: int) -> str:
    return f"/guides/guide-{g:05d}/"


def tag_url(t: int, page: int = 1) -> str:
    return f"/tag/tag-{t:04d}/" if page == 1 else f"/tag/tag-{t:04d}/page/{page}/"


def category_url(c: int, page: int = 1) -> str:
    name = CATEGORIES[c]
    return f"/category/{name}/" if page == 1 else f"/category/{name}/page/{page}/"


def home_url(page: int) -> str:
    return "/" if page == 1 else f"/page/{page}/"


def linkable(plan: Plan, p: int) -> bool:
    """Posts that ordinary content may link to (not the planted problem posts)."""
    return p not in plan.orphans and p not in plan.archive_only and p not in plan.deep_chain


def category_of(p: int) -> int:
    return p % len(CATEGORIES)


# ------------------------------------------------------------------ templates
_PARAS: list[str] = []


def paragraphs(seed: int) -> list[str]:
    """A fixed pool of ~300-byte paragraphs; pages pick from it (text generation is the slow part)."""
    if not _PARAS:
        rng = random.Random(seed ^ 0x5EED)
        for _ in range(400):
            words = rng.choices(WORDS, k=rng.randint(35, 60))
            words[0] = words[0].capitalize()
            _PARAS.append(" ".join(words) + ".")
    return _PARAS


def a(href: str, text: str, rel: str = "") -> str:
    extra = f' rel="{rel}"' if rel else ""
    return f'<a href="{html.escape(href)}"{extra}>{html.escape(text)}</a>'


def head(title: str, url: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)} | Example Blog</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="canonical" href="https://example.com{url}">'
        '<link rel="stylesheet" href="/css/main.css"><link rel="icon" href="/favicon.ico">'
        f"<style>{CSS}</style>"
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"BlogPosting",'
        f'"headline":"{html.escape(title)}","url":"https://example.com{url}"}}</script>'
        '<script src="/js/site.js" defer></script></head><body>'
    )


def chrome_top(plan: Plan) -> str:
    nav = [a("/", "Home"), a("/guides/", "Guides"), a("/about/", "About"), a("/contact/", "Contact")]
    nav += [a(category_url(c), CATEGORIES[c].title()) for c in range(len(CATEGORIES))]
    nav += [a("/search/", "Search"), a("https://twitter.com/example", "Twitter"), a("/feed.xml", "RSS")]
    return '<header class="site"><a class="logo" href="/">Example Blog</a><nav><ul>' + "".join(
        f"<li>{x}</li>" for x in nav
    ) + "</ul></nav></header>"


def sidebar(plan: Plan, rng: random.Random) -> str:
    tags = [a(tag_url(t), f"tag {t}") for t in range(min(10, plan.tags))]
    popular = [a(guide_url(g), f"Guide {g}") for g in range(min(N_POPULAR, plan.guides))]
    return (
        '<aside class="sidebar"><h3>Tags</h3><ul>' + "".join(f"<li>{x}</li>" for x in tags) +
        "</ul><h3>Popular guides</h3><ul>" + "".join(f"<li>{x}</li>" for x in popular) + "</ul></aside>"
    )


def footer() -> str:
    links = [("/privacy/", "Privacy"), ("/terms/", "Terms"), ("/about/", "About us"), ("/contact/", "Contact"),
             ("/sitemap/", "Sitemap"), ("/feed.xml", "RSS"), ("mailto:hello@example.com", "Email"),
             ("https://github.com/example", "GitHub")]
    links += [(category_url(c), CATEGORIES[c].title()) for c in range(len(CATEGORIES))]
    return '<footer class="site"><ul>' + "".join(f"<li>{a(h, t)}</li>" for h, t in links) + \
        "</ul><p>&copy; Example Blog</p></footer><script>window.dataLayer=[];</script></body></html>\n"


def body_text(rng: random.Random, links: list[str], n_paras: int) -> str:
    """Paragraphs with the given links spread through them."""
    pool = _PARAS
    out = []
    per = max(1, -(-len(links) // n_paras))
    k = 0
    for i in range(n_paras):
        text = pool[rng.randrange(len(pool))]
        if k < len(links):
            cut = text.find(" ", len(text) // 2)
            inserted = " ".join(links[k : k + per])
            k += per
            text = f"{text[:cut]} {inserted}{text[cut:]}"
        if i % 15 == 14:
            # Section headings with ids, as Markdown generators write them
            # (Hugo, Jekyll, MkDocs): what the crawl records for fragment checks.
            out.append(f'<h2 id="section-{i // 15 + 1}">Section {i // 15 + 1}</h2>')
        out.append(f"<p>{text}</p>")
    return "\n".join(out)


def page(plan: Plan, title: str, url: str, main: str, rng: random.Random) -> str:
    return head(title, url) + chrome_top(plan) + f'<div class="wrap"><main>{main}</main>' + sidebar(plan, rng) + "</div>" + footer()


def post_page(plan: Plan, p: int) -> str:
    rng = random.Random(plan.seed * 1_000_003 + p)
    url = post_url(p)
    title = f"Post {p}: {WORDS[p % 37]} {WORDS[(p * 7) % 53]}"
    g = plan.post_guide[p]
    crumbs = f'<nav class="breadcrumbs">{a("/", "Home")} / {a(category_url(category_of(p)), CATEGORIES[category_of(p)])}</nav>'
    links = [] if g in plan.thin_guides else [a(guide_url(g), f"the guide {g}")]
    # Contextual links: mostly root-relative, some relative, some absolute to the own domain.
    for _ in range(24):
        q = rng.randrange(plan.posts)
        if not linkable(plan, q) or q == p:
            continue
        r = rng.random()
        target = post_url(q)
        if r < 0.15:
            target = "../" + target.split("/")[2] + "/"
        elif r < 0.2:
            target = "https://example.com" + target
        elif r < 0.25:
            target = target + "#comments"
        links.append(a(target, f"post {q} {WORDS[q % 41]}"))
    if p in plan.deep_chain:
        i = plan.deep_chain.index(p)
        if i + 1 < len(plan.deep_chain):
            links.append(a(post_url(plan.deep_chain[i + 1]), "continue the series"))
    if p in plan.broken_on:
        links.append(a(f"/blog/removed-post-{p}/", "an old post"))
        links.append(a(post_url(p) + "#coments", "its comments"))  # a fragment typo, on its own page
    links.append(a("https://developer.mozilla.org/", "MDN"))
    links.append(a("#top", "back to top"))
    tags = " ".join(a(tag_url(t), f"#{t}") for t in plan.post_tags[p])
    related = "".join(
        f"<li>{a(post_url(q), f'Related {q}')}</li>"
        for q in (rng.randrange(plan.posts) for _ in range(6))
        if linkable(plan, q) and q != p
    )
    main = (
        f"<article>{crumbs}<header><h1>{html.escape(title)}</h1><p class=\"meta\">by {a('/about/', 'the author')}</p></header>"
        + body_text(rng, links, 135)
        + f'<footer><p class="tags">{tags}</p><h2>Related</h2><ul>{related}</ul></footer>'
        + '<section id="comments"><h2>Comments</h2></section></article>'
    )
    return page(plan, title, url, main, rng)


def guide_page(plan: Plan, g: int) -> str:
    rng = random.Random(plan.seed * 2_000_003 + g)
    members = [p for p in range(g % 97, plan.posts, max(1, plan.posts // 40)) if linkable(plan, p)][:40]
    links = [a(post_url(p), f"post {p}") for p in members]
    if g not in plan.thin_guides:
        others = ((g + k) % plan.guides for k in (1, 2, 3))
        links += [a(guide_url(h), f"guide {h}") for h in others if h not in plan.thin_guides]
    main = f"<article><h1>Guide {g}</h1>" + body_text(rng, links, 135) + "</article>"
    return page(plan, f"Guide {g}", guide_url(g), main, rng)


def listing(plan: Plan, title: str, url: str, items: list[int], n_pages: int, page_no: int, url_of, rng) -> str:
    lis = "".join(f"<li>{a(post_url(p), f'Post {p}')} <span>{WORDS[p % 29]}</span></li>" for p in items)
    pager = []
    if page_no > 1:
        pager.append(a(url_of(page_no - 1), "Newer"))
    for k in sorted({1, page_no - 2, page_no - 1, page_no + 1, page_no + 2, n_pages}):
        if 1 <= k <= n_pages and k != page_no:
            pager.append(a(url_of(k), str(k)))
    if page_no < n_pages:
        pager.append(a(url_of(page_no + 1), "Older"))
    main = f"<h1>{html.escape(title)}</h1><ul class=\"list\">{lis}</ul><nav class=\"pager\">{' '.join(pager)}</nav>"
    main += "".join(f"<p>{_PARAS[rng.randrange(len(_PARAS))]}</p>" for _ in range(40))
    return page(plan, title, url, main, rng)


# --------------------------------------------------------------------- jobs
def jobs(plan: Plan) -> list[tuple[str, int, int]]:
    """Every page as (kind, number, page number); ordered, so output is deterministic."""
    out: list[tuple[str, int, int]] = [("home", 0, k) for k in range(1, _pages(plan.posts, plan.per_home) + 1)]
    out += [("static", i, 1) for i in range(len(STATIC))]
    out += [("guides", 0, 1)]
    out += [("guide", g, 1) for g in range(plan.guides)]
    for c in range(len(CATEGORIES)):
        n = _pages(len(category_posts(plan, c)), plan.per_archive)
        out += [("category", c, k) for k in range(1, n + 1)]
    for t in range(plan.tags):
        n = _pages(len(plan.tag_posts[t]), plan.per_archive)
        out += [("tag", t, k) for k in range(1, n + 1)]
    out += [("post", p, 1) for p in range(plan.posts)]
    return out


STATIC = (("/about/", "About"), ("/contact/", "Contact"), ("/privacy/", "Privacy"), ("/terms/", "Terms"),
          ("/search/", "Search"), ("/sitemap/", "Sitemap"))


def _pages(n: int, per: int) -> int:
    return max(1, -(-n // per))


_CAT_CACHE: dict[int, list[int]] = {}


def category_posts(plan: Plan, c: int) -> list[int]:
    if c not in _CAT_CACHE:
        _CAT_CACHE[c] = [p for p in range(plan.posts - 1, -1, -1) if category_of(p) == c and linkable(plan, p)]
    return _CAT_CACHE[c]


def home_posts(plan: Plan) -> list[int]:
    if -1 not in _CAT_CACHE:
        _CAT_CACHE[-1] = [p for p in range(plan.posts - 1, -1, -1) if linkable(plan, p)]
    return _CAT_CACHE[-1]


def render(plan: Plan, job: tuple[str, int, int]) -> tuple[str, str]:
    kind, n, k = job
    rng = random.Random(f"{plan.seed}-{kind}-{n}-{k}")  # str seeds are stable across processes
    if kind == "post":
        return post_url(n), post_page(plan, n)
    if kind == "guide":
        return guide_url(n), guide_page(plan, n)
    if kind == "guides":
        links = [a(guide_url(g), f"Guide {g}") for g in range(plan.guides)]
        main = "<h1>Guides</h1><ul>" + "".join(f"<li>{x}</li>" for x in links) + "</ul>"
        return "/guides/", page(plan, "Guides", "/guides/", main, rng)
    if kind == "static":
        url, title = STATIC[n]
        return url, page(plan, title, url, body_text(rng, [], 60), rng)
    if kind == "home":
        items = home_posts(plan)
        n_pages = _pages(len(items), plan.per_home)
        chunk = items[(k - 1) * plan.per_home : k * plan.per_home]
        if k == 1:  # the home page also features guides and the start of the deep series
            chunk = chunk + [plan.deep_chain[0]]
        return home_url(k), listing(plan, "Example Blog", home_url(k), chunk, n_pages, k, home_url, rng)
    if kind == "category":
        items = category_posts(plan, n)
        n_pages = _pages(len(items), plan.per_archive)
        chunk = items[(k - 1) * plan.per_archive : k * plan.per_archive]
        return category_url(n, k), listing(plan, CATEGORIES[n].title(), category_url(n, k), chunk, n_pages, k,
                                           lambda x: category_url(n, x), rng)
    if kind == "tag":
        items = plan.tag_posts[n]
        n_pages = _pages(len(items), plan.per_archive)
        chunk = items[(k - 1) * plan.per_archive : k * plan.per_archive]
        return tag_url(n, k), listing(plan, f"Tag {n}", tag_url(n, k), chunk, n_pages, k, lambda x: tag_url(n, x), rng)
    raise ValueError(kind)


# ------------------------------------------------------------------- writing
_plan: Plan | None = None
_out: Path | None = None
_jobs: list[tuple[str, int, int]] = []


def _write_range(bounds: tuple[int, int]) -> int:
    assert _plan is not None and _out is not None
    written = 0
    for job in _jobs[bounds[0] : bounds[1]]:
        url, text = render(_plan, job)
        folder = _out / url.strip("/")
        folder.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        (folder / "index.html").write_bytes(data)
        written += len(data)
    return written


def generate(n_pages: int, out: Path, seed: int = 1, workers: int | None = None) -> dict[str, float]:
    """Write the site to out (emptied first). Returns figures about what was written."""
    global _plan, _out
    began = time.perf_counter()
    plan = make_plan(n_pages, seed)
    paragraphs(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    _plan, _out = plan, out
    _jobs[:] = jobs(plan)
    home_posts(plan)  # fill the caches before forking
    for c in range(len(CATEGORIES)):
        category_posts(plan, c)
    total = len(_jobs)
    step = 500
    ranges = [(i, min(i + step, total)) for i in range(0, total, step)]
    workers = workers or os.cpu_count() or 1
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        written = sum(pool.imap_unordered(_write_range, ranges))
    (out / "css").mkdir()
    (out / "css" / "main.css").write_text(CSS)
    (out / "js").mkdir()
    (out / "js" / "site.js").write_text("/* site */\n")
    (out / "favicon.ico").write_bytes(b"\0")
    (out / "feed.xml").write_text("<rss/>\n")
    (out / "linkrules.toml").write_text(config_text(plan))
    (out / "pytest.ini").write_text("[pytest]\n")  # makes the site folder pytest's rootdir
    return {"pages": total, "bytes": written, "seconds": time.perf_counter() - began,
            "orphans": len(plan.orphans), "archive_only": len(plan.archive_only)}


def config_text(plan: Plan) -> str:
    """A linkrules.toml with every default rule, tuned so only planted problems fail."""
    return f"""# Generated by benchmarks/generate_site.py (seed {plan.seed}, {plan.posts} posts)
[site]
root = "."
start = ["/"]
base_url = ["https://example.com"]
# Every page has a <script> (analytics, as real sites do); the benchmark measures the static crawl.
render = "never"

[rules.max-depth]
max = 6
pages = ["/blog/**", "/guides/**"]

[rules.min-inlinks]
pages = ["/guides/*"]
min = 3

[rules.no-orphans]

[rules.no-archive-only]
archives = ["/tag/**", "/page/*", "/category/**"]

[rules.no-broken-links]
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", help="1k, 10k, 100k, 1m or a number of pages")
    parser.add_argument("--out", type=Path, help="output folder (default benchmarks/sites/SIZE)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    n = SIZES.get(args.size.lower()) or int(args.size)
    if n < 60:  # the planted problems need a few dozen posts
        parser.error(f"size: expected 60 pages or more, got {n}")
    out = args.out or HERE / "sites" / args.size.lower()
    figures = generate(n, out, args.seed, args.workers)
    print(f"{out}: {figures['pages']:,} pages, {figures['bytes'] / 1e6:,.0f} MB "
          f"({figures['bytes'] / figures['pages'] / 1e3:.1f} KB/page) in {figures['seconds']:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
