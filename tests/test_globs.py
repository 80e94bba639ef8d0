"""URL-path globs as users write them in linkrules.toml (globs.py)."""

from __future__ import annotations

import pytest

from pytest_linkrules.globs import GlobError, GlobSet, compile_glob, matches

URLS = [
    "/",
    "/guides/",
    "/guides/seo/",
    "/guides/seo",
    "/guides/seo/intro/",
    "/guides/seo/intro.html",
    "/guides.html",
    "/guidesx/",
    "/blog/",
    "/blog/2019/old-post/",
    "/blog/2019/old-post.html",
    "/blog/post-1.html",
    "/blog/post-22.html",
    "/tag/seo/",
    "/tag/seo/page/2/",
    "/page/2/",
    "/café/",
]


@pytest.mark.parametrize(
    "glob, matched",
    [
        # * stays within one segment, and is not the folder itself
        ("/guides/*", ["/guides/seo/", "/guides/seo"]),
        ("/guides/*/", ["/guides/seo/"]),
        ("/guides/*/*", ["/guides/seo/intro/", "/guides/seo/intro.html"]),
        ("/guides*", ["/guides/", "/guides.html", "/guidesx/"]),
        ("/blog/*.html", ["/blog/post-1.html", "/blog/post-22.html"]),
        ("/blog/post-*.html", ["/blog/post-1.html", "/blog/post-22.html"]),
        ("/*/", ["/guides/", "/guidesx/", "/blog/", "/café/"]),
        # ** crosses slashes and includes the folder itself
        ("/guides/**", ["/guides/", "/guides/seo/", "/guides/seo", "/guides/seo/intro/", "/guides/seo/intro.html"]),
        ("/tag/**", ["/tag/seo/", "/tag/seo/page/2/"]),
        ("/**/page/*", ["/tag/seo/page/2/", "/page/2/"]),
        ("/blog/**/old-post/", ["/blog/2019/old-post/"]),
        ("/**", URLS),
        ("**", URLS),
        # ? and classes
        ("/blog/post-?.html", ["/blog/post-1.html"]),
        ("/blog/post-[0-9][0-9].html", ["/blog/post-22.html"]),
        ("/blog/post-[!1].html", []),
        ("/blog/post-[!2]*.html", ["/blog/post-1.html"]),
        # a literal path; the trailing slash is optional on the page side only
        ("/guides/seo", ["/guides/seo/", "/guides/seo"]),
        ("/guides/seo/", ["/guides/seo/"]),
        ("/", ["/"]),
        # dir/index.html is the page /dir/
        ("/guides/seo/index.html", ["/guides/seo/"]),
        ("/index.html", ["/"]),
        ("/guides/*/index.htm", ["/guides/seo/"]),
        # the examples in docs/urls.md
        ("/blog/20??/*", ["/blog/2019/old-post/", "/blog/2019/old-post.html"]),
        ("/[!_]*", ["/guides/", "/guides.html", "/guidesx/", "/blog/", "/café/"]),
        # regex characters are literal
        ("/guides.html", ["/guides.html"]),
        ("/café/", ["/café/"]),
    ],
)
def test_glob_matches(glob: str, matched: list[str]) -> None:
    assert [url for url in URLS if compile_glob(glob).match(url)] == matched


def test_negated_class() -> None:
    assert not matches("/_drafts/", ["/[!_]*"])
    assert matches("/drafts/", ["/[!_]*"])


def test_star_is_not_the_folder_itself() -> None:
    assert not matches("/guides/", ["/guides/*"])
    assert matches("/guides/", ["/guides/**"])
    assert matches("/guides/seo/", ["/guides/*"])
    assert not matches("/guides/seo/intro/", ["/guides/*"])


@pytest.mark.parametrize(
    "glob, message",
    [
        ("", "expected a non-empty URL path glob"),
        ("guides/*", 'expected a URL path starting with "/", got "guides/*"'),
        ("/a/[b", 'unclosed "[" in glob "/a/[b"'),
        ("/a/[]", 'unclosed "[" in glob "/a/[]"'),
        ("/a/[z-a]", 'invalid glob "/a/[z-a]": bad character range z-a'),
    ],
)
def test_bad_globs(glob: str, message: str) -> None:
    with pytest.raises(GlobError) as info:
        compile_glob(glob)
    assert str(info.value).split(" at position")[0] == message


def test_globset() -> None:
    archives = GlobSet(["/tag/**", "/page/*"])
    assert [url for url in URLS if archives(url)] == ["/tag/seo/", "/tag/seo/page/2/", "/page/2/"]
    assert bool(archives) is True
    assert repr(archives) == "GlobSet(['/tag/**', '/page/*'])"
    empty = GlobSet([])
    assert (bool(empty), empty("/")) == (False, False)


def test_globset_of_slash_star_slash() -> None:
    assert [url for url in URLS if GlobSet(["/page/*/", "/guides/*/"])(url)] == ["/guides/seo/", "/page/2/"]
