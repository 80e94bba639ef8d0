"""Folder listings a hostile or mistaken site.root can explode, and file names that lost pages.

Symlinks that fan out (several links to the same folders at every level)
multiply paths, not files: each real folder (device and inode) is listed
through a bounded number of paths. Special file systems and whole-system
folders are refused with one line. A folder deeper than the system's path
limit, a newline or a backslash in a file name: every page is checked or the
note says what was left out.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import CrawlError, crawl_site
from pytest_linkrules.crawl.folder import MAX_PATHS_PER_FOLDER, crawl_folder, list_files


def fan_out(root: Path, levels: int = 14, links: int = 4) -> Path:
    """Each level holds `links` symlinks to the next level's folder: links**levels paths, levels+1 real pages."""
    root.mkdir(parents=True)
    (root / "index.html").write_text('<title>home</title><a href="/l0/">l0</a>')
    above = root
    for i in range(levels):
        folder = root / f"l{i}"
        folder.mkdir()
        (folder / "index.html").write_text(f'<title>{i}</title><a href="/l{i + 1}/">next</a>')
        for j in range(links):
            (above / f"to{i}-{j}").symlink_to(folder, target_is_directory=True)
        above = folder
    return root


def test_symlinks_that_fan_out_are_bounded_by_real_folders(tmp_path: Path) -> None:
    root = fan_out(tmp_path / "site")
    began = time.process_time()
    files, skipped = list_files(root)
    assert time.process_time() - began < 3  # 4**14 = 268 million paths unbounded
    for i in range(14):
        assert f"l{i}/index.html" in files  # every real page, at its real path
    assert len(files) <= 15 * (MAX_PATHS_PER_FOLDER + 1)
    assert any("already listed through 8 paths (symlinks)" in s for s in skipped), skipped[:3]


def test_a_long_chain_of_folder_symlinks_is_bounded(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "real").mkdir(parents=True)
    (root / "index.html").write_text("<title>home</title>")
    (root / "real" / "page.html").write_text("<title>p</title>")
    previous = root / "real"
    for i in range(200):
        link = root / f"chain{i:03d}"
        link.symlink_to(previous, target_is_directory=True)
        previous = link
    began = time.process_time()
    files, skipped = list_files(root)
    assert time.process_time() - began < 5
    assert "real/page.html" in files
    assert len(files) <= 2 + MAX_PATHS_PER_FOLDER
    assert any(s.endswith("(the same folder as real/, already listed through 8 paths (symlinks))") for s in skipped), skipped[:3]


def test_aliases_stay_pages(tmp_path: Path) -> None:
    """A few symlinked aliases (latest -> v2) are a site's own pages, as before."""
    root = tmp_path / "site"
    (root / "v2").mkdir(parents=True)
    (root / "index.html").write_text('<a href="/latest/">latest</a>')
    (root / "v2" / "index.html").write_text("<title>v2</title>")
    (root / "latest").symlink_to(root / "v2", target_is_directory=True)
    (root / "stable").symlink_to(root / "v2", target_is_directory=True)
    pages, notes = crawl_folder(root)
    assert sorted(pages) == ["/", "/latest/", "/stable/", "/v2/"]
    assert notes == []


@pytest.mark.parametrize("root, why", [("/", "is a system folder (/)"), ("/usr", "is a system folder (/usr)"), ("/sys", "is on /sys, a special file system"), ("/proc", "is on /proc, a special file system")])
def test_system_and_special_roots_are_refused_in_one_line(pytester: pytest.Pytester, root: str, why: str) -> None:
    if not os.path.isdir(root):
        pytest.skip(f"no {root} here")
    (pytester.path / "linkrules.toml").write_text(f'[site]\nroot = "{root}"\n[rules.no-orphans]\n')
    began = time.monotonic()
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    out = result.stdout.str() + result.stderr.str()
    assert time.monotonic() - began < 60
    assert result.ret == pytest.ExitCode.USAGE_ERROR, out
    assert f"site.root: {root} {why}, not a built site; set it to the folder your site generator writes" in out, out
    assert "Traceback" not in out


def test_a_root_below_proc_is_refused(tmp_path: Path) -> None:
    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc here")
    with pytest.raises(CrawlError, match=r"is on /proc, a special file system"):
        crawl_site(SiteConfig(root=Path("/proc/self")))


def test_a_folder_deeper_than_the_path_limit_is_named(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text("<title>home</title>")
    name = "d" * 200
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(25):  # 25 x 201 characters: past Linux's 4096-byte path limit
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        page = os.open("deep.html", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(page, b"<title>deep</title>")
        os.close(page)
    finally:
        os.close(fd)
    files, skipped = list_files(root)
    assert "index.html" in files
    assert len(skipped) == 1 and skipped[0].endswith("(folder could not be listed: File name too long)"), skipped


def test_a_newline_in_a_file_name_is_a_checked_page(pytester: pytest.Pytester) -> None:
    public = pytester.path / "public"
    public.mkdir()
    (public / "index.html").write_text('<title>home</title><a href="/linked.html">l</a>')
    (public / "linked.html").write_text("<title>linked</title>")
    (public / "or\nphan.html").write_text("<title>orphan</title>")
    (pytester.path / "linkrules.toml").write_text('[site]\nroot = "public"\n[rules.no-orphans]\n')
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider", "-rA")
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "FAILED linkrules.toml::no-orphans[/or\u240aphan.html]" in out, out


def test_a_backslash_in_a_file_name_is_part_of_the_name(tmp_path: Path) -> None:
    if os.sep == "\\":
        pytest.skip("a backslash is the separator here")
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text('<a href="/a%5Cb.html">escaped</a>')
    (root / "a\\b.html").write_text("<title>backslash</title>")
    pages, _ = crawl_folder(root)
    assert sorted(pages) == ["/", "/a\\b.html"]
    assert [link.target for link in pages["/"].links] == ["/a\\b.html"]
