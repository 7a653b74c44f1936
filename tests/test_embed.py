"""Embeddable views (issue #31, item 5): /embed/map and /embed/network with the filters in their address, which
any site may frame, while every other page still refuses framing (the headers, and a real browser)."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import wait_for

EMBEDS = ["/embed/map", "/embed/network"]
REFUSING = ["/", "/map", "/network", "/practices", "/id/innocrafts/practice/IC-GP01", "/sparql"]


@pytest.mark.parametrize("path", EMBEDS)
def test_an_embeddable_view_may_be_framed_by_any_site(client, path):
    r = client.get(path + "?country=IT", headers={"Accept": "text/html"})
    assert r.status_code == 200
    policy = r.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "frame-ancestors 'none'" not in policy
    assert "script-src 'self'" in policy  # the rest of the policy is as strict as elsewhere
    assert "X-Frame-Options" not in r.headers
    page = r.get_data(as_text=True)
    assert "<header>" not in page and '<base target="_blank">' in page  # no site chrome; links leave the frame
    full = path.removeprefix("/embed")
    assert f'href="{full}?country=IT"' in page  # the link back to the full page, with the same filters


def test_the_link_back_carries_no_host_or_scheme_the_client_named(client):
    r = client.get("/embed/map?_external=1&_scheme=javascript&country=IT", headers={"Host": "evil.example"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "evil.example" not in page and 'href="/map?_external=1&amp;_scheme=javascript&amp;country=IT"' in page


@pytest.mark.parametrize("path", REFUSING)
def test_every_other_page_still_refuses_framing(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/map", "/network"])
def test_the_full_view_offers_its_iframe_code(client, path):
    page = client.get(path).get_data(as_text=True)
    assert 'id="embed-code"' in page and f'data-src="/embed{path}"' in page


@pytest.mark.parametrize(
    "query, wrong",
    [
        ("year=20x3", "year"),
        ("country=Italy", "ISO 3166"),
        ("kind=people", "unknown network kind"),
        ("radius=9", "radius"),
        ("size=%3Cscript%3E", "size"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_value_in_a_network_address_gets_400(client, query, wrong):
    for path in ("/network", "/embed/network"):
        r = client.get(f"{path}?{query}", headers={"Accept": "text/plain"})
        assert r.status_code == 400 and wrong in r.get_data(as_text=True), (path, r.get_data(as_text=True))


@pytest.mark.parametrize("query, wrong", [("links=maybe", "links"), ("transfers=2", "transfers"), ("year=x", "year")])
def test_a_bad_value_in_a_map_address_gets_400(client, query, wrong):
    for path in ("/map", "/embed/map"):
        r = client.get(f"{path}?{query}", headers={"Accept": "text/plain"})
        assert r.status_code == 400 and wrong in r.get_data(as_text=True)


class _Framing(BaseHTTPRequestHandler):
    """Another site (another origin): a page that frames the address in its query string."""

    def do_GET(self):  # noqa: N802
        target = self.path.split("?src=", 1)[1]
        body = f'<!doctype html><title>other site</title><iframe id="f" src="{target}" width="900" height="600">'
        body += "</iframe>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def other_site():
    server = ThreadingHTTPServer(("localhost", 0), _Framing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_another_site_can_frame_the_embedded_map_and_not_the_full_one(live, page, other_site):
    page.goto(f"{other_site}/?src={live.url}/embed/map?country=IT")
    frame = page.frame_locator("#f")
    frame.locator("circle.place").first.wait_for(timeout=30000)  # the map drew inside the other site's page
    assert page.frames[1].evaluate("() => window.mapView.data.places.every((p) => p.country === 'IT')")
    assert frame.locator("header").count() == 0
    assert frame.locator(".embed-credit a").get_attribute("href") == "/map?country=IT"

    page.goto(f"{other_site}/?src={live.url}/map")
    wait_for(lambda: any("frame-ancestors" in m for m in page.console), what="Chromium refusing to frame /map")
    # the browser refused it: the frame holds no document of the app (Chromium shows its error page)
    framed = page.frames[1]
    assert framed.evaluate("() => typeof window.mapView") == "undefined"
    refusals = [m for m in page.console if "frame-ancestors" in m]
    assert refusals, page.console  # Chromium says why
    page.console.clear()  # an expected refusal, not a violation of the page's own policy

    page.goto(f"{other_site}/?src={live.url}/embed/network")
    page.frame_locator("#f").locator("#cy canvas").first.wait_for(timeout=30000)
    assert page.frames[1].evaluate("() => window.networkView.paintedAt > 0")
