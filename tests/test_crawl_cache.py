"""The crawl cache: unchanged pages aren't parsed again, and a stale or broken cache is never trusted."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pytest_linkrules.crawl.folder import crawl_folder


def write_site(root: Path, n: int = 12) -> None:
    for i in range(n):
        d = root / "post" / str(i)
        d.mkdir(parents=True, exist_ok=True)
        (d / "index.html").write_text(f'<title>Post {i}</title><nav><a href="/">Home</a></nav><a href="/post/{(i + 1) % n}/">next</a>')
    (root / "index.html").write_text('<title>Home</title><a href="/post/0/">first</a><a href="/new/">soon</a>')


def crawl(root: Path, cache: Path):
    pages, notes = crawl_folder(root, cache_dir=cache, workers=1)
    [note] = [n for n in notes if n.startswith("crawl cache:")]
    parsed = int(note.split()[2].replace(",", ""))
    return pages, parsed


def test_second_run_parses_nothing_and_gives_the_same_pages(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    write_site(site)
    first, parsed = crawl(site, cache)
    assert parsed == 13
    again, parsed = crawl(site, cache)
    assert parsed == 0
    assert again == first
    assert again == crawl_folder(site, workers=1)[0]  # and what a crawl without cache gives


def test_changed_pages_are_parsed_again_and_only_they(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    write_site(site)
    crawl(site, cache)
    for i in (2, 5, 7):
        (site / "post" / str(i) / "index.html").write_text(f'<title>Changed {i}</title><a href="/">home</a>')
    pages, parsed = crawl(site, cache)
    assert parsed == 3
    assert pages["/post/5/"].title == "Changed 5"
    assert [lk.target for lk in pages["/post/5/"].links] == ["/"]
    assert pages["/post/4/"].title == "Post 4"


def test_rewritten_but_equal_files_are_not_parsed(tmp_path):
    # A fresh checkout or a rebuild gives every file a new mtime; the bytes decide.
    site, cache = tmp_path / "site", tmp_path / "cache"
    write_site(site)
    crawl(site, cache)
    for path in site.rglob("*.html"):
        path.write_bytes(path.read_bytes())
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    _, parsed = crawl(site, cache)
    assert parsed == 0


def test_a_changed_file_is_parsed_even_when_its_size_and_mtime_are_restored(tmp_path):
    # rsync -t, cp -p and reproducible builds (one date on every file) keep
    # mtimes; the ctime a rewrite leaves behind still tells.
    site, cache = tmp_path / "site", tmp_path / "cache"
    write_site(site)
    crawl(site, cache)
    page = site / "post" / "4" / "index.html"
    before = page.stat()
    time.sleep(0.05)  # past a coarse filesystem clock tick
    changed = page.read_text().replace('href="/"', 'href="/x"').replace("Post 4", "Post_")
    assert len(changed) == before.st_size
    page.write_text(changed)
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (page.stat().st_size, page.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    pages, parsed = crawl(site, cache)
    assert parsed == 1
    assert pages["/post/4/"].title == "Post_"
    assert [lk.target for lk in pages["/post/4/"].broken] == ["/x"]


def test_deleted_page_is_gone_and_new_page_resolves_old_links(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    write_site(site)
    pages, _ = crawl(site, cache)
    assert [lk.target for lk in pages["/"].broken] == ["/new/"]
    (site / "post" / "3" / "index.html").unlink()
    (site / "new").mkdir()
    (site / "new" / "index.html").write_text("<title>New</title>")
    pages, parsed = crawl(site, cache)
    assert parsed == 1  # only the new page; the home page's cached links are resolved again
    assert "/post/3/" not in pages
    assert [lk.target for lk in pages["/"].links] == ["/post/0/", "/new/"]
    assert [lk.target for lk in pages["/post/2/"].broken] == ["/post/3/"]


def test_corrupted_or_foreign_cache_files_are_ignored(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    write_site(site)
    expected, _ = crawl(site, cache)
    [shard] = list(cache.rglob("shard-*.pickle"))
    shard.write_bytes(shard.read_bytes()[:100])  # a run killed mid-write (without the rename)
    pages, parsed = crawl(site, cache)
    assert parsed == 13 and pages == expected
    shard.write_bytes(b"not a pickle at all")
    pages, parsed = crawl(site, cache)
    assert parsed == 13 and pages == expected
    # The cache repaired itself.
    assert crawl(site, cache)[1] == 0


def test_cache_written_by_other_settings_is_not_used(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    write_site(site)
    crawl_folder(site, cache_dir=cache, workers=1)
    pages, notes = crawl_folder(site, cache_dir=cache, workers=1, selectors={"hub": "nav"})
    assert any(n.startswith("crawl cache: 13 of 13") for n in notes)
    assert pages["/post/1/"].roles == ("hub",)


def test_parallel_crawl_uses_the_cache_too(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    write_site(site, n=700)  # above the size where a process pool is used
    first, notes = crawl_folder(site, cache_dir=cache, workers=2)
    (site / "post" / "650" / "index.html").write_text("<title>Changed</title>")
    pages, notes = crawl_folder(site, cache_dir=cache, workers=2)
    assert any(n.startswith("crawl cache: 1 of 701") for n in notes)
    assert pages["/post/650/"].title == "Changed"
    assert pages["/post/10/"] == first["/post/10/"]
