"""Parsing on Dask: a real distributed.LocalCluster parses WARC and folder shards; results equal the local run's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_linkrules.config import ConfigError, load_config, with_overrides
from pytest_linkrules.crawl import CrawlError, crawl_site
from pytest_linkrules.crawl import folder as folder_module
from pytest_linkrules.crawl import warc as warc_module
from pytest_linkrules.rules import builtin_registry

from test_warc import ORIGIN, QUIET, RECORDS, html, write_warc

distributed = pytest.importorskip("distributed", reason="distributed is in the dask extra")

ROOT = Path(__file__).parent.parent
BLOG = ROOT / "example-rules" / "blog"
REGISTRY = builtin_registry()


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, as a small real cluster."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50) as lc:
        yield lc.scheduler_address


def many_records(n: int) -> list[tuple]:
    """A site of n pages linking around, with a redirect, a 404 and a revisit among them."""
    out = list(RECORDS)
    head = [("Content-Type", "text/html; charset=utf-8")]
    for i in range(n):
        body = f'<a href="/p/{(i * 7) % n}/">a</a> <a href="/p/{(i + 1) % n}/#top">b</a> <a href="/old">o</a> <a href="/gone/">g</a>'
        out.append(("response", f"{ORIGIN}/p/{i}/", 200, head, html(f'<nav><a href="/">home</a></nav><h1 id="top">{i}</h1>{body}')))
    return out


def config_for(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "linkrules.toml"
    path.write_text(f'[site]\nwarc = ["crawl/*.warc.gz"]\nbase_url = "{ORIGIN}"\n{extra}\n[rules.no-broken-links]\n[rules.no-orphans]\n')
    return path


def test_a_warc_parsed_on_a_local_cluster_gives_the_pages_of_a_local_run(tmp_path, cluster, monkeypatch):
    monkeypatch.setattr(warc_module, "SHARD_RECORDS", 40)  # several shards per file, so the cluster splits them
    (tmp_path / "crawl").mkdir()
    records = many_records(150)
    write_warc(tmp_path / "crawl" / "a.warc.gz", records[:90])
    write_warc(tmp_path / "crawl" / "b.warc.gz", records[90:])
    site = load_config(config_for(tmp_path), REGISTRY).site
    here = crawl_site(site, workers=1)
    pooled = crawl_site(site, workers=2)
    on_dask = crawl_site(with_overrides(load_config(config_for(tmp_path), REGISTRY), dask=cluster).site)
    assert len(here.pages) == 155
    assert on_dask.pages == here.pages == pooled.pages
    assert list(on_dask.pages) == list(here.pages)
    assert on_dask.broken_reasons == here.broken_reasons
    assert on_dask.notes == here.notes
    assert on_dask.starts == here.starts


def test_folder_shards_parsed_on_a_local_cluster_give_the_pages_of_a_local_run(tmp_path, cluster, monkeypatch):
    monkeypatch.setattr(folder_module, "DASK_CHUNK", 7)
    site = load_config(BLOG / "linkrules.toml", REGISTRY).site
    here = crawl_site(site)
    config = with_overrides(load_config(BLOG / "linkrules.toml", REGISTRY), dask=cluster)
    on_dask = crawl_site(config.site)
    assert on_dask.pages == here.pages
    assert list(on_dask.pages) == list(here.pages)


def test_the_plugin_on_a_cluster_gives_the_items_of_a_local_run(pytester, cluster):
    shutil.copytree(BLOG, pytester.path, dirs_exist_ok=True)

    def items(*args: str) -> dict[str, str]:
        reprec = pytester.inline_run("--linkrules", *QUIET, *args)
        return {r.nodeid: r.outcome for r in reprec.getreports("pytest_runtest_logreport") if r.when == "call"}

    local = items()
    assert items(f"--linkrules-dask={cluster}") == local
    assert items("--linkrules-dask=local") == local  # a LocalCluster of its own, started and stopped by the run
    assert sum(1 for outcome in local.values() if outcome == "failed") == 6


def test_a_scheduler_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    site = with_overrides(load_config(BLOG / "linkrules.toml", REGISTRY), dask="tcp://127.0.0.1:9").site
    with pytest.raises(CrawlError) as info:
        crawl_site(site)
    assert str(info.value).startswith("--linkrules-dask: could not connect to the Dask scheduler at tcp://127.0.0.1:9 (")
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError) as bad:
        with_overrides(load_config(BLOG / "linkrules.toml", REGISTRY), dask="ftp://x")
    assert bad.value.problems == ['--linkrules-dask: expected a Dask scheduler address such as "tcp://10.0.0.5:8786", or "local", got "ftp://x"']
