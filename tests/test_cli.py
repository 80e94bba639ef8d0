"""The `linkrules` command: exit codes, output, exports, explain, errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from pytest_linkrules.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def site(tmp_path: Path, sites: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/sites/reports as the current directory."""
    shutil.copytree(sites / "reports", tmp_path / "site")
    monkeypatch.chdir(tmp_path / "site")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path / "site"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_a_folder_with_the_default_rules(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "public")
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("linkrules: public/(default rules): folder public, 8 pages, 20 links, max depth 4, render: static")
    assert "/lost/ is not reachable from any start page (no-orphans)" in lines
    assert "Fix: Link to it from a related page that is reachable (or from a hub or category page); if it is obsolete, delete it or redirect it." in lines
    assert lines[-2:] == ["no-orphans: 1 page", "1 failure (3 rules on 8 pages)"]


def test_max_depth_of_the_default_rules_can_be_set(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "public", "--max-depth", "3", "-q")
    assert code == 1
    assert out.splitlines() == [
        "/blog/old/ is 4 clicks from the start page, max is 3 (max-depth)",
        "/lost/ is not reachable from any start page (no-orphans)",
    ]


def test_check_uses_linkrules_toml_in_the_current_folder(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "-q")
    assert code == 1
    assert out.splitlines() == [
        "/blog/old/ is 4 clicks from the start page, max is 3 (max-depth)",
        "/guides/seo/ has 1 inlink, needs 2 (min-inlinks)",
        "/lost/ is not reachable from any start page (no-orphans)",
    ]
    assert run(capsys, "check", "-q", "linkrules.toml")[1] == out
    assert run(capsys, "check", "-q", "--config", "linkrules.toml")[1] == out


def test_a_passing_site_exits_0(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(site / "public" / "lost")
    code, out, _ = run(capsys, "check", "public")
    assert code == 0
    assert out.splitlines()[-1] == "all 3 rules pass on 7 pages"


def test_a_folder_with_a_config_checks_that_folder(site: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = tmp_path / "build"
    shutil.copytree(site / "public", other)
    shutil.rmtree(other / "lost")
    code, out, _ = run(capsys, "check", str(other), "-c", "linkrules.toml", "-q")
    assert code == 1
    assert out.splitlines() == [  # no orphan in this build
        "/blog/old/ is 4 clicks from the start page, max is 3 (max-depth)",
        "/guides/seo/ has 1 inlink, needs 2 (min-inlinks)",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "nowhere/"], "linkrules check: error: nowhere/: no such folder or file (expected the built site folder or a linkrules.toml)"),
        (["check", "linkrules.toml", "-c", "linkrules.toml"], "linkrules check: error: linkrules.toml is a file and --config was given too; give one linkrules.toml"),
        (["check", "-c", "linkrules.toml", "--max-depth", "2"], "linkrules check: error: --max-depth sets the default rules for a folder; with a linkrules.toml, set [rules.max-depth] max there"),
        (["check", "public", "--start", "/nope/"], 'linkrules check: error: public/(default rules): site.start: "/nope/" is not a page of the site ("/" means the folder\'s index.html)'),
        (["explain", "public", "/guidez/seo"], 'linkrules explain: error: "/guidez/seo" is not a page of the site (8 pages); did you mean "/guides/seo/"?'),
        (["graph", "public", "-o", "."], "linkrules graph: error: -o .: is a folder; give a file name such as site.graphml"),
    ],
)
def test_usage_errors_exit_2_with_one_line(site: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (2, "", message + "\n")


def test_an_invalid_config_lists_every_problem(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "linkrules.toml").write_text('[site]\nroot = "public"\nrot = 1\n[rules.max-dept]\n', encoding="utf-8")
    code, out, err = run(capsys, "check")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith('linkrules check: error: linkrules.toml: site.rot: unknown key; did you mean "root"?')
    assert lines[1].startswith('linkrules check: error: linkrules.toml: rules.max-dept: unknown rule; did you mean "max-depth"?')
    assert "Traceback" not in err


def test_nothing_to_check(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err == "linkrules check: error: nothing to check: give the built site folder (linkrules check public/) or --config PATH; no linkrules.toml here\n"


def test_bad_arguments_exit_2(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["graph", "public", "--format", "dot"], ["check", "--max-depth", "0", "public"], ["frobnicate"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'dot'" in err and "expected a positive integer, got 0" in err
    assert run(capsys)[0] == 2  # no command: the help, and a usage status


@pytest.mark.parametrize("fmt", ["graphml", "json", "csv"])
def test_graph_exports_load_in_networkx(site: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(capsys, "graph", "public", "-o", f"site.{fmt}")
    assert code == 0 and out == ""
    assert err.splitlines()[-1] == f"wrote {fmt} to site.{fmt}"
    path = site / f"site.{fmt}"
    if fmt == "graphml":
        g = nx.read_graphml(path)
    elif fmt == "json":
        g = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
    else:
        import csv

        g = nx.DiGraph()
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                g.add_edge(row["source"], row["target"])
                g.nodes[row["target"]]["depth"] = int(row["target_depth"])
                g.nodes[row["source"]]["depth"] = int(row["source_depth"])
    assert len(g) == 8 and g.number_of_edges() == 20
    assert g.nodes["/blog/old/"]["depth"] == 4
    assert g.has_edge("/guides/", "/guides/seo/") and g.has_edge("/lost/", "/guides/seo/")


def test_graph_to_standard_output(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "graph", "public", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("source,target,content,followed,redirect,source_depth")
    assert len(out.splitlines()) == 21


def test_explain_a_failing_page(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "-c", "linkrules.toml", "guides/seo/index.html")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "/guides/seo/  'SEO guide'"
    assert "  click depth: 2 (deepest page on the site: 4)" in lines
    assert "  Click path (2 clicks): / -> /guides/ -> /guides/seo/" in lines
    assert '    content  /guides/  "<img src=x onerror=alert(2)>"' in lines
    assert any(line.startswith("  link score:  0.") and "rank 3 of 8" in line for line in lines)
    assert lines[lines.index("rules (linkrules.toml):") + 1 :] == [
        "  pass  max-depth",
        "  FAIL  min-inlinks: /guides/seo/ has 1 inlink, needs 2 (min-inlinks)",
        "          Fix: Link to it from 1 more page(s), ideally from the content of related pages.",
        "  pass  no-orphans",
    ]


def test_explain_names_the_source_file_and_out_of_scope_rules(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "https://example.com/blog/old")
    assert code == 1
    lines = out.splitlines()
    assert "  source file: content/blog/old.md" in lines
    assert '  -     min-inlinks: not checked (the page is outside its pages = [\'/guides/*\'])' in lines
    assert "  FAIL  max-depth: /blog/old/ is 4 clicks from the start page, max is 3 (max-depth)" in lines


def test_github_annotations_from_the_command(site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(site))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    code, out, _ = run(capsys, "check", "-q")
    assert code == 1
    commands = [line.split("::")[1] for line in out.splitlines() if line.startswith("::")]
    assert commands == [
        "error file=content/blog/old.md,line=1,title=linkrules max-depth%3A /blog/old/",
        "error file=linkrules.toml,line=10,title=linkrules min-inlinks%3A /guides/seo/",
        "error file=linkrules.toml,line=14,title=linkrules no-orphans%3A /lost/",
    ]
    assert "## linkrules: 3 failures" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    # The default rules live in no file: annotations then name no file.
    code, out, _ = run(capsys, "check", "public", "-q")
    assert [line.split("::")[1] for line in out.splitlines() if line.startswith("::")] == ["error title=linkrules no-orphans%3A /lost/"]


def test_terminal_control_characters_in_titles_are_not_printed(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "public" / "lost" / "index.html").write_text("<title>\x1b[2Jgone\x07</title>", encoding="utf-8")
    code, out, _ = run(capsys, "check", "public")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out


def test_the_installed_command_runs_with_help_and_exit_codes(site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    help_run = subprocess.run([sys.executable, "-m", "pytest_linkrules.cli", "explain", "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert help_run.returncode == 0
    assert "linkrules explain public/ /guides/seo/" in help_run.stdout and "130  interrupted" in help_run.stdout
    check = subprocess.run([sys.executable, "-m", "pytest_linkrules.cli", "check", "public", "-q"], capture_output=True, text=True, env=env, timeout=120)
    assert (check.returncode, check.stdout) == (1, "/lost/ is not reachable from any start page (no-orphans)\n")
    # stdout keeps to failures under -q; the linkrules.toml left unused is named on stderr.
    assert check.stderr.startswith("linkrules: note: no linkrules.toml used:") and check.stderr.count("\n") == 1


def test_check_a_deployed_site_by_url(site: Path, serve, capsys: pytest.CaptureFixture[str]) -> None:
    server = serve(site / "public")
    code, out, err = run(capsys, "check", server.origin + "/", "--render", "never", "-q")
    # Over HTTP nothing links to /lost/, so it can't be found: the default rules pass.
    assert (code, out) == (0, ""), err
    assert "Traceback" not in err
    code, out, _ = run(capsys, "explain", server.origin, "/blog/old/", "--render", "never")
    assert code == 0
    assert "  click depth: 4 (deepest page on the site: 4)" in out.splitlines()


def test_check_honours_warnings_and_waivers(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = site / "linkrules.toml"
    text = toml.read_text(encoding="utf-8").replace("[rules.no-orphans]", '[rules.no-orphans]\nseverity = "warning"')
    text += '\n[[waivers]]\nrule = "min-inlinks"\npages = ["/guides/seo/"]\nreason = "new guide"\nexpires = 2099-01-31\n'
    toml.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert "warning: linkrules.toml::no-orphans[/lost/]" in out.splitlines()
    assert out.splitlines()[-1] == "1 failure, 1 warning, 1 waived (3 rules on 8 pages)"
    code, out, _ = run(capsys, "explain", "/guides/seo/")
    assert code == 0
    assert "  waived min-inlinks: /guides/seo/ has 1 inlink, needs 2 (min-inlinks) (waivers[0] (min-inlinks: /guides/seo/) until 2099-01-31: new guide)" in out.splitlines()
    code, out, _ = run(capsys, "explain", "/lost/")
    assert code == 0 and "  WARN  no-orphans: /lost/ is not reachable from any start page (no-orphans)" in out.splitlines()
    shutil.rmtree(site / "public" / "blog" / "old")  # the one error left
    code, out, _ = run(capsys, "check", "-q")
    assert (code, out) == (0, "warning: /lost/ is not reachable from any start page (no-orphans)\n")


def test_check_reuses_a_crawl_cache_given_with_cache_dir(site: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code, first, _ = run(capsys, "check", "public", "--cache-dir", str(cache))
    assert code == 1 and "linkrules: note: crawl cache: 8 of 8 pages parsed" in first
    code, again, _ = run(capsys, "check", "public", "--cache-dir", str(cache))
    assert code == 1 and "linkrules: note: crawl cache: 0 of 8 pages parsed; no file changed since the last run" in again
    page = next((site / "public").rglob("*.html"))
    page.write_text(page.read_text() + "<!-- edited -->")
    code, edited, _ = run(capsys, "check", "public", "--cache-dir", str(cache))
    assert code == 1 and "linkrules: note: crawl cache: 1 of 8 pages parsed" in edited
    # Same failures every time, cache or not.
    failures = [[line for line in out.splitlines() if not line.startswith("linkrules:")] for out in (first, again, edited)]
    assert failures[0] == failures[1] == failures[2]


def test_cache_dir_must_be_a_folder(site: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    code, out, err = run(capsys, "check", "public", "--cache-dir", str(tmp_path / "file"))
    assert code == 2 and out == ""
    assert err.strip() == f"linkrules check: error: --cache-dir {tmp_path / 'file'}: is a file; give a folder for the crawl cache"


def test_check_says_when_it_used_no_config_and_names_the_one_it_left(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`linkrules check public/` runs the default rules; a linkrules.toml beside the folder is named, not silently skipped."""
    code, out, err = run(capsys, "check", "public")
    assert out.splitlines()[1] == (
        "linkrules: note: no linkrules.toml used: the default rules max-depth (max = 4), no-orphans, no-broken-links; "
        "linkrules.toml is there but not used: pass -c linkrules.toml for its rules"
    )
    code, out, err = run(capsys, "check", "public", "-q")
    assert err.startswith("linkrules: note: no linkrules.toml used:") and "pass -c linkrules.toml" in err
    code, out, err = run(capsys, "graph", "public", "--format", "csv")
    assert code == 0 and "pass -c linkrules.toml" in err and "pass -c" not in out
    # With the config, the header names it.
    code, out, err = run(capsys, "check", "-c", "linkrules.toml", "public")
    assert out.splitlines()[0].startswith("linkrules: linkrules.toml: folder public,")
    assert "no linkrules.toml used" not in out + err


def test_init_writes_a_config_the_check_then_uses(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "linkrules.toml").unlink()
    code, out, err = run(capsys, "init")
    assert code == 0, err
    assert out.splitlines()[0].startswith("linkrules init: wrote linkrules.toml: site public, 8 pages, no generator preset (")
    text = (site / "linkrules.toml").read_text()
    assert 'root = "public"' in text and "max = 4" in text  # the deepest page, 4 clicks away today
    code, out, err = run(capsys, "check", "-q")
    # What init found broken today fails; nothing is a config error.
    assert code == 1 and err == ""
    assert out.splitlines() == ["/lost/ is not reachable from any start page (no-orphans)"]
