"""WARC and WACZ files as a site: a crawl made by wget, and records written by warcio."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from pytest_linkrules.config import ConfigError, load_config, with_overrides
from pytest_linkrules.crawl import CrawlError, crawl_site
from pytest_linkrules.model import VIA_REDIRECT
from pytest_linkrules.rules import builtin_registry

ROOT = Path(__file__).parent.parent
BLOG = ROOT / "example-rules" / "blog"
REGISTRY = builtin_registry()
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:anyio")
ORIGIN = "https://docs.example"


def page_urls(folder: Path, origin: str) -> list[str]:
    """Every page of a build, as a crawler seeded from the site's sitemap would request them."""
    urls = [origin + "/"]
    for path in sorted(folder.rglob("*.html")):
        rel = path.relative_to(folder).as_posix()
        urls.append(origin + "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return urls


def outcomes(reprec: pytest.HookRecorder) -> dict[str, str]:
    """Each linkrules item's outcome by its name within the config file."""
    out = {}
    for report in reprec.getreports("pytest_runtest_logreport"):
        if report.when == "call":
            out["linkrules.toml" + report.nodeid.split("linkrules.toml", 1)[1]] = report.outcome
    return out


def test_a_warc_written_by_wget_gives_the_same_verdicts_as_the_folder_it_was_crawled_from(pytester, serve):
    shutil.copytree(BLOG, pytester.path / "folder")
    server = serve(BLOG / "public")
    seeds = pytester.path / "seeds.txt"
    seeds.write_text("\n".join(page_urls(BLOG / "public", server.origin)) + "\n")
    crawl = pytester.path / "warc"
    (crawl / "crawl").mkdir(parents=True)
    subprocess.run(
        ["wget", "--quiet", "--recursive", "--level=inf", "-e", "robots=off", "--delete-after", "--no-directories",
         "--warc-file=crawl/blog", "--input-file", str(seeds)],
        cwd=crawl, check=False, timeout=120,
    )  # fmt: skip  # wget exits 8 on the 404 the blog links to
    assert (crawl / "crawl" / "blog.warc.gz").is_file()
    config = (BLOG / "linkrules.toml").read_text()
    config = config.replace('root = "public"', f'warc = ["crawl/*.warc.gz"]\nbase_url = "{server.origin}"')
    (crawl / "linkrules.toml").write_text(config)

    folder = outcomes(pytester.inline_run("--linkrules", "--linkrules-config=folder/linkrules.toml", *QUIET))
    served = len(server.requests)
    warc = outcomes(pytester.inline_run("--linkrules", "--linkrules-config=warc/linkrules.toml", *QUIET))
    assert len(server.requests) == served  # the WARC run asks the site nothing
    assert warc == folder
    assert sorted(name for name, outcome in folder.items() if outcome == "failed") == [
        "linkrules.toml::max-depth[/blog/log-files-part-3/]",
        "linkrules.toml::max-depth[/blog/log-files-part-4/]",
        "linkrules.toml::min-inlinks[/guides/site-speed/]",
        "linkrules.toml::no-archive-only[/blog/robots-txt-mistakes/]",
        "linkrules.toml::no-broken-links[/blog/long-tail-keywords/]",
        "linkrules.toml::no-orphans[/landing/free-seo-audit/]",
    ]
    assert "linkrules.toml::crawl" in warc


# ------------------------------------------------------- records by warcio
def html(body: str) -> bytes:
    return f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>".encode()


def write_warc(path: Path, records: list[tuple], *, gz: bool = True) -> None:
    """Write records (kind, url, status, headers, body) with warcio, as crawlers do: a request-less WARC."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        originals: dict[str, object] = {}
        for kind, url, status, headers, body in records:
            http = StatusAndHeaders(f"{status} X", list(headers), protocol="HTTP/1.1")
            if kind == "response":
                record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
                originals[url] = record
            else:  # revisit of the response written for `body` (a URL)
                original = originals[body]
                digest = original.rec_headers.get_header("WARC-Payload-Digest")
                date = original.rec_headers.get_header("WARC-Date")
                record = writer.create_revisit_record(url, digest, body, date, http_headers=http)
            writer.write_record(record)


HTML = [("Content-Type", "text/html; charset=utf-8")]
RECORDS = [
    ("response", f"{ORIGIN}/", 200, HTML, html(
        '<a href="/old">old</a> <a href="/gone/">gone</a> <a href="/again/">again</a> '
        '<a href="/page/">page</a> <a href="/file.pdf">pdf</a> <a href="/never/">never</a> '
        '<a href="https://other.example/">other</a> <a href="/gone/#x">gone with a fragment</a>'
    )),
    ("response", f"{ORIGIN}/old", 301, [("Location", "/new/")], b""),
    ("response", f"{ORIGIN}/new/", 200, HTML, html('<a href="/">home</a> <a href="/page/">page</a>')),
    ("response", f"{ORIGIN}/gone/", 404, HTML, html("not found")),
    ("response", f"{ORIGIN}/page/", 200, HTML, html('<a href="/first-version/">first</a>')),
    ("response", f"{ORIGIN}/file.pdf", 200, [("Content-Type", "application/pdf")], b"%PDF-1.4"),
    ("revisit", f"{ORIGIN}/again/", 200, HTML, f"{ORIGIN}/new/"),
    ("response", f"{ORIGIN}/noindex/", 200, HTML + [("X-Robots-Tag", "noindex")], html('<a href="/">home</a>')),
    ("response", f"{ORIGIN}/page/", 200, HTML, html('<a href="/">home</a> <a href="/noindex/">n</a>')),  # recaptured: wins
    ("response", "https://other.example/", 200, HTML, html('<a href="/">x</a>')),
]


def warc_site(tmp_path: Path, files: str = '["crawl/*.warc.gz"]', extra: str = "") -> Path:
    config = tmp_path / "linkrules.toml"
    config.write_text(f'[site]\nwarc = {files}\nbase_url = "{ORIGIN}"\n{extra}\n[rules.no-broken-links]\n[rules.no-orphans]\n')
    return config


def test_warc_records_redirects_errors_revisits_and_the_last_capture(tmp_path: Path) -> None:
    (tmp_path / "crawl").mkdir()
    write_warc(tmp_path / "crawl" / "site.warc.gz", RECORDS)
    result = crawl_site(load_config(warc_site(tmp_path), REGISTRY).site)
    assert sorted(result.pages) == ["/", "/again/", "/new/", "/noindex/", "/page/"]
    home = result.pages["/"]
    assert home.source == f"{ORIGIN}/"
    links = {link.href: link for link in home.links}
    # A link to a redirect is an edge to where it ends, flagged as a redirect.
    assert links["/old"].target == "/new/" and links["/old"].flags & VIA_REDIRECT
    assert links["/again/"].target == "/again/" and not links["/again/"].flags & VIA_REDIRECT
    assert links["/page/"].target == "/page/"
    # 4xx is broken, with a fragment or without; a PDF, another host and an uncaptured URL are no page link.
    assert sorted((link.href, link.target) for link in home.broken) == [("/gone/", "/gone/"), ("/gone/#x", "/gone/")]
    assert not links.keys() & {"/file.pdf", "/never/", "https://other.example/"}
    assert result.broken_reasons == {"/gone/": "HTTP 404"}
    # A revisit is its original's payload under its own URL.
    assert [link.target for link in result.pages["/again/"].links] == ["/", "/page/"]
    # The last capture wins; X-Robots-Tag counts.
    assert [link.target for link in result.pages["/page/"].links] == ["/", "/noindex/"]
    assert result.pages["/noindex/"].noindex
    assert result.starts == ("/",)
    assert result.source == "WARC crawl/site.warc.gz" or result.source.startswith("WARC ")
    notes = "\n".join(result.notes)
    assert "1 linked URL(s) of the site are in no WARC capture, so links to them were not checked (e.g. /never/)" in notes
    assert "1 captured record(s) of other hosts than docs.example were not read" in notes
    assert "the last capture of a URL wins" in notes


def test_a_wacz_is_read_as_the_warc_inside_it(tmp_path: Path) -> None:
    warc = tmp_path / "data.warc.gz"
    write_warc(warc, RECORDS)
    (tmp_path / "crawl").mkdir()
    write_warc(tmp_path / "crawl" / "site.warc.gz", RECORDS)
    with zipfile.ZipFile(tmp_path / "site.wacz", "w") as zf:
        zf.write(warc, "archive/data.warc.gz")
        zf.writestr("datapackage.json", "{}")
    from_wacz = crawl_site(load_config(warc_site(tmp_path, '"site.wacz"'), REGISTRY).site)
    from_warc = crawl_site(load_config(warc_site(tmp_path), REGISTRY).site)
    assert from_wacz.pages == from_warc.pages
    assert from_wacz.broken_reasons == from_warc.broken_reasons


def test_an_uncompressed_warc_and_a_broken_record_do_not_end_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crawl").mkdir()
    plain = tmp_path / "crawl" / "a.warc"
    write_warc(plain, RECORDS[:4], gz=False)
    broken = tmp_path / "crawl" / "b.warc.gz"
    write_warc(broken, RECORDS[4:6])
    data = broken.read_bytes()
    broken.write_bytes(data + gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\ntruncated"))
    result = crawl_site(load_config(warc_site(tmp_path, '["crawl/*.warc", "crawl/*.warc.gz"]'), REGISTRY).site)
    assert sorted(result.pages) == ["/", "/new/", "/page/"]
    assert any(n.startswith("crawl/b.warc.gz: unreadable after 3 record(s)") for n in result.notes), result.notes


def test_a_start_page_that_is_not_captured_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crawl").mkdir()
    write_warc(tmp_path / "crawl" / "site.warc.gz", RECORDS)
    config = load_config(warc_site(tmp_path, extra='start = ["/", "/missing/", "/gone/"]'), REGISTRY)
    with pytest.raises(CrawlError) as info:
        crawl_site(config.site)
    assert str(info.value) == (
        f'site.start: "/missing/" ({ORIGIN}/missing/): not captured; "/gone/" ({ORIGIN}/gone/): HTTP 404 in '
        "crawl/site.warc.gz; check site.start and site.base_url"
    )


# ------------------------------------------------------------ config errors
def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "linkrules.toml"
    path.write_text(text + "[rules.no-orphans]\n")
    with pytest.raises(ConfigError) as info:
        with_overrides(load_config(path, REGISTRY))
    return info.value.problems


def test_warc_config_errors_name_the_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crawl").mkdir()
    (tmp_path / "crawl" / "notes.warc.gz").write_bytes(gzip.compress(b"hello, not a WARC"))
    (tmp_path / "crawl" / "empty.wacz").write_bytes(_zip({"datapackage.json": b"{}"}))
    assert problems(tmp_path, '[site]\nwarc = ["none/*.warc.gz"]\nbase_url = "https://x.example"\n') == [
        'linkrules.toml: site.warc: "none/*.warc.gz" matches no file (looked in .)'
    ]
    assert problems(tmp_path, '[site]\nwarc = ["crawl/*"]\nbase_url = "https://x.example"\n') == [
        "linkrules.toml: site.warc: crawl/empty.wacz: is a zip with no archive/*.warc.gz inside, not a WACZ file",
        'linkrules.toml: site.warc: crawl/notes.warc.gz: is not a WARC file (it does not start with "WARC/"); '
        "expected .warc, .warc.gz or .wacz files",
    ]
    write_warc(tmp_path / "crawl" / "site.warc.gz", RECORDS[:1])
    assert problems(tmp_path, '[site]\nwarc = "crawl/site.warc.gz"\n') == [
        'linkrules.toml: site.warc: needs site.base_url, the origin the WARC captured, e.g. base_url = "https://example.com"'
    ]
    assert problems(tmp_path, '[site]\nwarc = 3\nbase_url = "https://x.example"\n') == [
        'linkrules.toml: site.warc: expected a WARC file glob or a list of them, relative to linkrules.toml, e.g. ["crawl/*.warc.gz"], got 3'
    ]
    (tmp_path / "public").mkdir()
    text = '[site]\nwarc = "crawl/site.warc.gz"\nbase_url = "https://x.example"\nroot = "public"\nrate_limit = 5\nrender = "always"\n'
    assert problems(tmp_path, text) == [
        "linkrules.toml: site.root: does not apply with site.warc (the pages are the WARC's records, already fetched); "
        "remove the key, or crawl the site by root or url instead of warc",
        "linkrules.toml: site.rate_limit: does not apply with site.warc (the pages are the WARC's records, already fetched); "
        "remove the key, or crawl the site by root or url instead of warc",
        'linkrules.toml: site.render: "always" does not apply with site.warc: its pages are read as the crawler captured '
        'them (a browser-based crawler such as Browsertrix stores rendered pages); use "auto" or "never"',
    ]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_captured_sitemap_is_read_and_generator_auto_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crawl").mkdir()
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{ORIGIN}/</loc></url><url><loc>{ORIGIN}/old</loc></url><url><loc>{ORIGIN}/unlisted/</loc></url></urlset>"
    ).encode()
    write_warc(tmp_path / "crawl" / "site.warc.gz", RECORDS + [("response", f"{ORIGIN}/sitemap.xml", 200, [("Content-Type", "application/xml")], sitemap)])
    result = crawl_site(load_config(warc_site(tmp_path), REGISTRY).site)
    assert result.sitemap_urls == ["/", "/new/", "/unlisted/"]  # a redirect's entry is where it ends
    assert problems(tmp_path, '[site]\nwarc = "crawl/site.warc.gz"\nbase_url = "https://x.example"\ngenerator = "auto"\n') == [
        'linkrules.toml: site.generator: "auto" reads a built folder (root); for a warc, name the generator, e.g. "mkdocs"'
    ]


def test_max_pages_leaves_out_the_last_captures_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crawl").mkdir()
    write_warc(tmp_path / "crawl" / "site.warc.gz", RECORDS)
    result = crawl_site(load_config(warc_site(tmp_path, extra="max_pages = 2"), REGISTRY).site)
    assert sorted(result.pages) == ["/", "/new/"]
    assert "5 HTML captures found; only the first 2 were read (site.max_pages)" in result.notes
    assert "/old" in {link.href for link in result.pages["/"].links}  # a redirect to a page that was read
