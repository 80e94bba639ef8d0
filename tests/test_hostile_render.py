"""Hostile pages in a real Chromium: dialogs, scripts that never return, and
every way a page's scripts can try to reach another port of 127.0.0.1.

The site is generated in tmp_path and rendered as a folder (the crawl serves
it on 127.0.0.1 itself). A spy listener on another port must see zero
connections; pages rendered after the hostile ones prove the browser survived.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
from helpers.browsers import needs_browser

pytestmark = needs_browser

# A link that exists only once a script has run: a page that carries it was rendered.
ADD_LINK = """<script>
document.addEventListener('DOMContentLoaded', () => {
  const a = document.createElement('a'); a.href = '/'; a.textContent = 'added by script';
  document.body.appendChild(a);
});
</script>"""


def escape_attempts(spy: str) -> str:
    ws = spy.replace("http:", "ws:")
    return f"""<!doctype html><title>Escape</title>
<link rel="stylesheet" href="{spy}/style.css"><link rel="prefetch" href="{spy}/prefetch">
<link rel="preconnect" href="{spy}"><link rel="dns-prefetch" href="{spy}">
<img src="{spy}/img.png"><img src="{spy}/pixel"><iframe src="{spy}/frame"></iframe>
<video src="{spy}/v"></video><object data="{spy}/obj"></object>
<style>body {{ background: url({spy}/bg) }} @import url({spy}/import.css);</style>
<script src="{spy}/script.js"></script>
<a href="{spy}/linked-page">another port</a>
<form id="f" method="post" action="{spy}/form" target="sink"><input name="q" value="1"></form>
<iframe name="sink"></iframe>
<script>
  fetch('{spy}/fetch').catch(() => {{}});
  fetch('{spy}/no-cors', {{mode: 'no-cors'}}).catch(() => {{}});
  const x = new XMLHttpRequest(); x.open('GET', '{spy}/xhr'); try {{ x.send(); }} catch (e) {{}}
  try {{ new WebSocket('{ws}/ws'); }} catch (e) {{}}
  try {{ new EventSource('{spy}/events'); }} catch (e) {{}}
  try {{ navigator.sendBeacon('{spy}/beacon', 'x'); }} catch (e) {{}}
  new Image().src = '{spy}/image';
  try {{ window.open('{spy}/popup'); }} catch (e) {{}}
  try {{ document.getElementById('f').submit(); }} catch (e) {{}}
  const s = document.createElement('script'); s.src = '{spy}/dyn.js'; document.head.appendChild(s);
</script>
{ADD_LINK}"""


DIALOGS = """<!doctype html><title>Dialogs</title>
<script>
  alert('one'); confirm('two?'); prompt('three?', 'x');
  for (let i = 0; i < 10; i++) alert('again ' + i);
  window.onbeforeunload = (e) => { e.preventDefault(); e.returnValue = 'stay'; return 'stay'; };
  try { print(); } catch (e) {}
</script>""" + ADD_LINK

# Loops only after DOMContentLoaded, so the page loads and then wedges while
# its links are being read: the renderer must give up on it and replace the tab.
LATE_LOOP = """<!doctype html><title>Late loop</title><a href="/ok1.html">ok</a>
<script>
document.addEventListener('DOMContentLoaded', () => setTimeout(() => { while (true) {} }, 30));
</script>"""

# Replaces what a link reader would rely on, and claims to be busy forever.
LIAR = """<!doctype html><title>Liar</title><a href="/ok1.html">ok</a>
<script>
JSON.stringify = () => '{"links": 5}';
Array.prototype.push = function () { return 0; };
Document.prototype.querySelectorAll = function () { return []; };
Element.prototype.getAttribute = function () { return '/fake.html'; };
Element.prototype.closest = function () { throw new Error('no'); };
String.prototype.split = function () { return ['x']; };
Object.defineProperty(window, '__linkrulesInflight', {get: () => 1});
</script>"""

POPUPS = """<!doctype html><title>Popups</title>
<script>for (let i = 0; i < 25; i++) { try { window.open('/ok1.html', '_blank'); } catch (e) {} }</script>""" + ADD_LINK


@pytest.fixture
def hostile_js(tmp_path: Path, spy) -> Path:
    return build_site(tmp_path, spy.origin)


def build_site(tmp_path: Path, spy_origin: str) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    names = ["escape", "dialogs", "late-loop", "popups", "navigate-away", "liar"] + [f"ok{i}" for i in range(1, 7)]
    index = "".join(f'<a href="/{n}.html">{n}</a> ' for n in names)
    (site / "index.html").write_text(f"<!doctype html><title>Home</title>{index}{ADD_LINK}")
    (site / "escape.html").write_text(escape_attempts(spy_origin))
    (site / "dialogs.html").write_text(DIALOGS)
    (site / "late-loop.html").write_text(LATE_LOOP)
    (site / "popups.html").write_text(POPUPS)
    (site / "liar.html").write_text(LIAR)
    (site / "navigate-away.html").write_text(
        f"<!doctype html><title>Away</title><script>setTimeout(() => {{ location.href = '{spy_origin}/away'; }}, 10)</script>"
    )
    for i in range(1, 7):
        (site / f"ok{i}.html").write_text(f"<!doctype html><title>OK {i}</title>{ADD_LINK}")
    return site


@pytest.mark.timeout(120)
def test_hostile_scripts_do_not_escape_hang_or_kill_the_browser(hostile_js: Path, spy) -> None:
    result = crawl_site(SiteConfig(root=hostile_js, render="always", timeout=2.0))
    pages = result.pages
    assert result.render == "rendered"

    # No request of any kind reached the other port.
    assert spy.connections == []

    def added(url: str) -> bool:
        return any(link.anchor == "added by script" for link in pages[url].links)

    # Dialogs are dismissed and the page is read; popups don't stop their opener.
    assert added("/escape.html")
    assert added("/dialogs.html"), pages["/dialogs.html"].error
    # 25 popups at parse time may push a busy machine past the 2 s load timeout:
    # either outcome is fine as long as it is read or says why not.
    popups = pages["/popups.html"]
    assert added("/popups.html") or popups.error.startswith("could not load in the browser"), popups.error
    # The link to another port is external: not a page, not a broken link.
    assert {l.target for l in pages["/escape.html"].links + pages["/escape.html"].broken} == {"/"}
    # The page that wedges after loading fails with a reason ...
    assert pages["/late-loop.html"].error.startswith("page did not finish rendering within"), pages["/late-loop.html"]
    # A page that replaces the built-ins a reader uses is read all the same (the
    # reader runs in an isolated world); claiming to be busy only runs out the settle time.
    liar = pages["/liar.html"]
    assert liar.error == "" and [(l.target, l.anchor) for l in liar.links] == [("/ok1.html", "ok")]
    assert any("kept changing" in n and "/liar.html" in n for n in result.notes)
    # ... and every ordinary page, rendered before or after them, was rendered.
    assert all(added(f"/ok{i}.html") for i in range(1, 7)), {u: (p.error, p.links) for u, p in pages.items() if u.startswith("/ok") and p.error}
    assert added("/")
    # A page that navigates to another origin is not read as that origin.
    away = pages["/navigate-away.html"]
    assert not any("away" in l.target for l in away.links + away.broken), away.links
    assert away.error or away.links == (), away
    assert spy.connections == []
