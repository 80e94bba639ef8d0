"""rustdoc's sidebar model on hand-made pages: what main.js would add, case by case.

tests/test_render_templates.py checks the model against real Chromium on Rust
1.63's own docs; here each rule of main.js that the fixture's pages don't
reach is checked on a page made for it (against Chromium too): a synthetic
implementor already inlined, data files of another shape, JavaScript's truth.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.crawl.folder import crawl_folder, list_files
from pytest_linkrules.crawl.rustdoc import RustdocSidebar, _fits, _item_blocks, _parse_implementors, read_facts
from pytest_linkrules.crawl.templates import same_page
from pytest_linkrules.crawl.urls import FolderResolver

RUSTDOC = Path(__file__).parent / "sites" / "rustdoc-1.63"

TRAIT_PAGE = """<!DOCTYPE html><html><head><title>Send</title>
<script src="../../storage1.63.0.js"></script><script defer src="sidebar-items1.63.0.js"></script>
<script defer src="../../main1.63.0.js"></script>
<script type="text/javascript" src="../../implementors/core/marker/trait.Send.js" data-ignore-extern-crates="std" async></script>
</head><body class="rustdoc trait"><nav class="mobile-topbar"><h2 class="location"></h2></nav>
<nav class="sidebar"><h2 class="location"><a href="#">Send</a></h2><div class="sidebar-elems"></div></nav>
<main><h1 class="fqn"><span class="in-band">Trait <a class="trait" href="#">Send</a></span></h1>
<div id="implementors-list"><section class="impl" id="impl-Send"><a href="#impl-Send" class="anchor"></a></section></div>
<div id="synthetic-implementors-list"><section class="impl" data-aliases="core::a::A,core::b::B"></section></div>
</main><div id="settings-menu"></div><div id="rustdoc-vars" data-root-path="../../" data-current-crate="core"></div></body></html>"""


def _impl(text: str, synthetic: bool = False, types: tuple[str, ...] = ()) -> dict:
    return {"text": text, "synthetic": synthetic, "types": list(types)}


def _site(tmp_path: Path, implementors: dict[str, list[dict]], items: object = None) -> tuple[RustdocSidebar, object]:
    root = tmp_path / "html"
    (root / "core" / "marker").mkdir(parents=True)
    shutil.copy(RUSTDOC / "main1.63.0.js", root)
    shutil.copy(RUSTDOC / "storage1.63.0.js", root)
    (root / "core" / "marker" / "trait.Send.html").write_text(TRAIT_PAGE)
    (root / "core" / "marker" / "struct.PhantomData.html").write_text("<title>PhantomData</title>")
    sidebar = {"struct": [["PhantomData", "Zero-sized type."]]} if items is None else items
    (root / "core" / "marker" / "sidebar-items1.63.0.js").write_text(f"window.SIDEBAR_ITEMS = {json.dumps(sidebar)};")
    lines = "".join(f"implementors[{json.dumps(lib)}] = {json.dumps(structs)};\n" for lib, structs in implementors.items())
    (root / "implementors" / "core" / "marker").mkdir(parents=True)
    (root / "implementors" / "core" / "marker" / "trait.Send.js").write_text(
        "(function() {var implementors = {};\n" + lines
        + "if (window.register_implementors) {window.register_implementors(implementors);} "
        "else {window.pending_implementors = implementors;}})()"
    )
    pages, _ = crawl_folder(root, workers=1)
    files, _ = list_files(root)
    model = RustdocSidebar(root, FolderResolver(files, ()), "/main1.63.0.js")
    return model, pages["/core/marker/trait.Send.html"]


def test_implementors_of_other_crates_are_added_with_the_ids_main_js_gives_them(tmp_path: Path) -> None:
    link = '<a class="struct" href="alloc/boxed/struct.Box.html">Box</a>'
    model, page = _site(tmp_path, {
        "core": [_impl("impl Send for Own")],  # the page's own crate: already in the HTML
        "std": [_impl("impl Send for Std")],  # data-ignore-extern-crates names it
        "alloc": [
            _impl(f"impl Send for {link}"),
            _impl("impl Send for A", synthetic=True, types=("core::a::A",)),  # inlined in the HTML already
            _impl("impl Send for C", synthetic=True, types=("alloc::c::C", "core::b::B")),  # C counts as seen, then B stops it
            _impl("impl Send for C again", synthetic=True, types=("alloc::c::C",)),
            _impl('impl Send for <a href="https://example.com/x.html">X</a>'),  # http hrefs are left as they are
        ],
    })
    guess = model.predict(page)
    assert guess is not None
    rendered = crawl_site(SiteConfig(root=tmp_path / "html", start=(page.url,), render="always")).pages[page.url]
    assert same_page(guess, rendered)  # what Chromium gives, and what main.js was read to give:
    added = {(l.href, l.anchor, l.js_only) for l in guess.links + guess.broken} - {(l.href, l.anchor, False) for l in page.links + page.broken}
    assert ("../../alloc/boxed/struct.Box.html", "Box", False) in added  # a broken link: not flagged, as with_js_only does
    assert not any(href.startswith("../../https") for href, _, _ in added)
    # One impl was in the list already, so main.js numbers the added ones from 1; the skipped ones take no number.
    assert guess.ids.split() == page.ids.split() + ["impl-Send-1", "impl-Send-2"]


def test_a_sidebar_data_file_of_another_shape_leaves_the_page_to_the_browser(tmp_path: Path) -> None:
    model, page = _site(tmp_path, {}, items={"struct": ["PhantomData"]})  # names alone, as later rustdoc writes them
    assert model.predict(page) is None


def test_a_page_without_the_settings_button_main_js_needs_is_left_to_the_browser(tmp_path: Path) -> None:
    model, page = _site(tmp_path, {})
    assert model.predict(page) is not None
    html = tmp_path / "html" / "core" / "marker" / "trait.Send.html"
    html.write_text(html.read_text().replace('<div id="settings-menu"></div>', ""))  # main.js stops before the sidebar
    page = crawl_folder(tmp_path / "html", workers=1)[0][page.url]
    assert model.predict(page) is None


def test_the_crawl_reads_the_facts_main_js_uses_from_its_own_parse_of_the_html(tmp_path: Path) -> None:
    # The model does not parse each page again; a rendered page's DOM (which
    # main.js has changed) gives no facts, and a page without them is read from its file.
    model, page = _site(tmp_path, {})
    html = tmp_path / "html" / "core" / "marker" / "trait.Send.html"
    assert page.facts is not None and page.facts == read_facts(html.read_bytes())
    assert page.facts.trait_name == "Send" and page.facts.impls == 1 and page.facts.synthetic == {"core::a::A", "core::b::B"}
    rendered = crawl_site(SiteConfig(root=tmp_path / "html", start=(page.url,), render="always")).pages[page.url]
    assert rendered.rendered and rendered.facts is None
    assert model.predict(dataclasses.replace(page, facts=None)) == model.predict(page)
    assert crawl_folder(tmp_path / "html", workers=1)[0]["/core/marker/struct.PhantomData.html"].facts is None


def test_item_blocks_follow_javascripts_truth() -> None:
    assert _item_blocks({"struct": []}) == '<div class="block struct"><h3><a href="index.html#structs">Structs</a></h3><ul></ul></div>'
    assert _item_blocks({"struct": None, "fn": 0, "enum": ""}) == ""
    assert _item_blocks({"mod": [["io", "I/O."]]}) == (
        '<div class="block mod"><h3><a href="index.html#modules">Modules</a></h3><ul><li><a href="io/index.html">io</a></li></ul></div>'
    )
    assert _item_blocks({"struct": "PhantomData"}) is None


def test_only_rust_163s_main_js_is_modelled() -> None:
    main = (RUSTDOC / "main1.63.0.js").read_text()
    assert _fits(main)
    assert not _fits(main.replace('"Trait Aliases"', '"Aliases"'))
    assert not _fits(main.replace("setMobileTopbar();addSidebarItems();", "addSidebarItems();setMobileTopbar();"))
    assert not _fits("")


def test_an_implementors_file_is_read_only_in_rustdocs_own_shape() -> None:
    text = (RUSTDOC / "implementors/core/iter/traits/collect/trait.Extend.js").read_text()
    libs = _parse_implementors(text)
    assert [lib for lib, _ in libs] == ["alloc", "core", "proc_macro", "std"]
    assert all(isinstance(s["text"], str) for _, structs in libs for s in structs)
    assert not isinstance(_parse_implementors(text.replace("var implementors = {};", "var implementors = {}; fetch('x');")), list)
    assert not isinstance(_parse_implementors(text + "\nalert(1)"), list)
