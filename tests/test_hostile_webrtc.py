"""WebRTC in a rendered page must not send UDP anywhere: STUN, TURN or ICE checks.

The browser's proxy fence (crawl/fence.py) covers HTTP, WebSockets and
everything else that goes through the network stack; WebRTC's UDP does not.
A real Chromium renders a folder whose page opens RTCPeerConnections aimed at
a UDP listener on another port of 127.0.0.1 (as a STUN server, a TURN server,
and as the remote peer's candidate); the listener must receive no datagram.
The page also writes what it managed into a link, so the test can tell the
scripts really ran.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
from helpers.browsers import needs_browser

pytestmark = needs_browser


class UdpSpy:
    """A UDP socket on 127.0.0.1 that records every datagram it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams: list[bytes] = []
        self._closed = False
        self._thread = threading.Thread(target=self._listen, name="udp-spy", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._closed:
            try:
                data, _ = self.sock.recvfrom(65536)
            except (socket.timeout, OSError):
                continue
            self.datagrams.append(data)

    def close(self) -> None:
        self._closed = True
        self._thread.join(2)
        self.sock.close()


def rtc_page(port: int) -> str:
    # The remote answer names the spy as the peer's only candidate: ICE then
    # sends connectivity checks (STUN binding requests) straight to it.
    return f"""<!doctype html><title>WebRTC</title><a href="/">home</a>
<script>
const note = (t) => {{ const a = document.createElement('a'); a.href = '/' + t + '.html'; a.textContent = t; document.body.appendChild(a); }};
async function attempt() {{
  const servers = [
    {{urls: 'stun:127.0.0.1:{port}'}},
    {{urls: 'turn:127.0.0.1:{port}?transport=udp', username: 'u', credential: 'p'}},
  ];
  const pc = new RTCPeerConnection({{iceServers: servers, iceCandidatePoolSize: 4}});
  pc.createDataChannel('x');
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  note('offered');
  const remote = new RTCPeerConnection();
  remote.createDataChannel('y');
  await remote.setRemoteDescription(pc.localDescription);
  const answer = await remote.createAnswer();
  const sdp = answer.sdp.replace(/a=candidate.*\\r\\n/g, '') +
    'a=candidate:1 1 udp 2122260223 127.0.0.1 {port} typ host generation 0\\r\\n';
  await pc.setRemoteDescription({{type: 'answer', sdp}});
  await pc.addIceCandidate({{candidate: 'candidate:2 1 udp 2122260223 127.0.0.1 {port} typ host', sdpMid: '0', sdpMLineIndex: 0}}).catch(() => {{}});
  note('answered');
}}
document.addEventListener('DOMContentLoaded', () => {{ attempt().catch((e) => note('error-' + e.name)); }});
</script>"""


# Both Debian builds where installed: full Chromium 156 ignores the launch flag
# that keeps WebRTC on the proxy (the headless shell honours it), so there only
# the render's init script, which takes RTCPeerConnection away, stands between
# the page and the network.
BROWSERS = [p for p in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if Path(p).exists()] or [None]


def render_rtc_site(tmp_path: Path, **site: object) -> tuple[object, list[bytes]]:
    """Render a folder whose page aims WebRTC at a UDP spy: the crawl, and the datagrams the spy got."""
    spy = UdpSpy()
    try:
        root = tmp_path / "site"
        root.mkdir()
        (root / "index.html").write_text('<title>Home</title><a href="/rtc.html">rtc</a><script>var x = 1;</script>')
        (root / "rtc.html").write_text(rtc_page(spy.port))
        for name in ("offered", "answered", "error-ReferenceError"):
            (root / f"{name}.html").write_text(f"<title>{name}</title>")
        result = crawl_site(SiteConfig(root=root, render="always", timeout=10, **site))  # type: ignore[arg-type]
        time.sleep(1.5)  # ICE checks and STUN retransmits are paced: give stragglers time to arrive
    finally:
        spy.close()
    rtc = result.pages["/rtc.html"]
    assert rtc.rendered and not rtc.error, rtc
    # The page's script ran and found no RTCPeerConnection to open.
    targets = {link.target for link in rtc.links}
    assert "/error-ReferenceError.html" in targets and "/offered.html" not in targets, targets
    return result, spy.datagrams


@pytest.mark.parametrize("browser", BROWSERS)
def test_no_udp_datagram_leaves_a_rendered_page(tmp_path: Path, browser: str | None) -> None:
    _, datagrams = render_rtc_site(tmp_path, browser_path=browser)
    assert datagrams == [], f"{len(datagrams)} UDP datagram(s) reached another port: {datagrams[:2]}"
