"""Compressed answers (issue #31, item 5): static files, pages and JSON go out brotli- or gzip-encoded to a
client that asks (Flask-Compress), smaller and the same once decoded, and still validated (ETag, 304)."""

from __future__ import annotations

import gzip
import json
import re

import brotli
import pytest

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


def _atlas(client) -> str:
    """The outline file that /map draws, from the page's data block."""
    page = client.get("/map").get_data(as_text=True)
    return json.loads(re.search(r'id="page-data">(.*?)</script>', page, re.S).group(1))["atlasUrl"]


@pytest.mark.parametrize("encoding", ["gzip", "br"])
@pytest.mark.parametrize("path", ["/static/d3/d3.min.js", "/static/coopkg/map-page.js", "atlas", "/map", "/api/map"])
def test_an_answer_comes_compressed_when_asked_and_decodes_to_the_same(client, path, encoding):
    path = _atlas(client) if path == "atlas" else path
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.get(path, headers={"Accept-Encoding": encoding})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = packed.get_data()
    assert len(body) < len(plain.get_data()) / 2
    assert DECODE[encoding](body) == plain.get_data()


def test_the_browsers_preference_brotli_wins(client):
    r = client.get("/static/coopkg/views.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert r.headers["Content-Encoding"] == "br"


def test_a_compressed_static_file_is_validated(client):
    first = client.get("/static/d3/d3.min.js", headers={"Accept-Encoding": "br"})
    tag = first.headers["ETag"]
    again = client.get("/static/d3/d3.min.js", headers={"Accept-Encoding": "br", "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    plain = client.get("/static/d3/d3.min.js", headers={"Accept-Encoding": "identity"})
    assert plain.headers.get("ETag") != tag  # another coding, another representation


def test_a_compressed_page_keeps_its_validators_and_304(client):
    first = client.get("/practices?page=1", headers={"Accept": "text/html", "Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    varies = [v.strip() for v in first.headers["Vary"].split(",")]
    assert {"Accept", "Accept-Encoding", "Accept-Language"} <= set(varies)
    again = client.get(
        "/practices?page=1",
        headers={"Accept": "text/html", "Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_small_and_unasked_answers_are_left_alone(client):
    assert "Content-Encoding" not in client.get("/healthz", headers={"Accept-Encoding": "br"}).headers
    with client.get("/static/d3/d3.min.js") as plain:  # streamed from its file, as before
        assert "Content-Encoding" not in plain.headers


def test_a_static_file_is_compressed_once_a_process(client, monkeypatch):
    import flask_compress.flask_compress as fc

    calls = []
    original = fc._compress_data
    monkeypatch.setattr(
        fc, "_compress_data", lambda app, data, algorithm: calls.append(1) or original(app, data, algorithm)
    )
    import api

    static_calls = []
    for coding, compressor in list(api._STATIC_CODINGS.items()):
        monkeypatch.setitem(api._STATIC_CODINGS, coding, lambda data, c=compressor: static_calls.append(1) or c(data))
    path = "/static/coopkg/network-page.js"
    bodies = {client.get(path, headers={"Accept-Encoding": "gzip"}).get_data() for _ in range(3)}
    assert len(bodies) == 1 and len(calls) + len(static_calls) <= 1  # none when an earlier test compressed it
    for _ in range(2):  # a page is compressed each time: its bytes depend on the data and the language
        client.get("/practices?page=1", headers={"Accept": "text/html", "Accept-Encoding": "gzip"})
    assert len(calls) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_static_file_goes_out_at_the_codings_highest_level(client, encoding):
    """Compressed once a process, a static file can take the slow, smallest setting (brotli 11, gzip 9)."""
    plain = client.get("/static/cytoscape/cytoscape.min.js", headers={"Accept-Encoding": "identity"}).get_data()
    body = client.get("/static/cytoscape/cytoscape.min.js", headers={"Accept-Encoding": encoding}).get_data()
    assert DECODE[encoding](body) == plain
    smallest = brotli.compress(plain, quality=11) if encoding == "br" else gzip.compress(plain, compresslevel=9)
    assert len(body) <= len(smallest) + 32  # gzip's header may differ; Flask-Compress's own levels give 5-20% more


@pytest.mark.slow
def test_a_serving_process_compresses_the_views_largest_files_before_they_are_asked_for(client, monkeypatch):
    """`kg serve`'s processes put the brotli copies of the map's and network's largest files in the cache at
    start, under the keys requests look them up by: the first phone does not wait for brotli's highest level."""
    import api

    app, compress = client.application, client.application.extensions["compress"]
    monkeypatch.setattr(compress, "cache", api._StaticCompressed())
    api._precompress(app, compress)
    asked = []
    for coding, compressor in list(api._STATIC_CODINGS.items()):
        monkeypatch.setitem(api._STATIC_CODINGS, coding, lambda data, c=compressor: asked.append(1) or c(data))
    for name in api.PRECOMPRESSED:
        plain = client.get(f"/static/{name}", headers={"Accept-Encoding": "identity"}).get_data()
        body = client.get(f"/static/{name}", headers={"Accept-Encoding": "br"}).get_data()
        assert brotli.decompress(body) == plain and len(body) < len(plain) / 2
    assert not asked  # every one came from the cache


def test_other_static_files_take_flask_compress_s_level(client):
    """At brotli 11 the query editor's bundle takes seconds of CPU, which its first visitor would wait for."""
    name = "/static/coopkg/sparql-page.js"
    plain = client.get(name, headers={"Accept-Encoding": "identity"}).get_data()
    body = client.get(name, headers={"Accept-Encoding": "br"}).get_data()
    assert brotli.decompress(body) == plain
    assert body == brotli.compress(plain, quality=client.application.config["COMPRESS_BR_LEVEL"])


def test_a_range_of_a_static_file_is_that_range_of_its_bytes(client):
    plain = client.get("/static/d3/d3.min.js", headers={"Accept-Encoding": "identity"}).get_data()
    for encoding in ("gzip", "br"):  # the whole file, compressed and kept
        client.get("/static/d3/d3.min.js", headers={"Accept-Encoding": encoding})
    part = client.get("/static/d3/d3.min.js", headers={"Accept-Encoding": "gzip, br", "Range": "bytes=1000-60999"})
    body = (
        DECODE[part.headers["Content-Encoding"]](part.get_data())
        if "Content-Encoding" in part.headers
        else part.get_data()
    )
    part.close()  # a server closes the file when the answer is sent; the test client leaves that to the test
    assert part.status_code == 206 and body == plain[1000:61000] and "Content-Encoding" not in part.headers


def test_each_coding_of_a_page_has_its_own_etag_and_each_validates(client):
    """RFC 9110: a strong ETag names one representation, and a page in brotli is not the page in gzip."""
    headers = {"Accept": "text/html"}
    tags = {
        c: client.get("/practices?page=1", headers={**headers, "Accept-Encoding": c}).headers["ETag"]
        for c in ("br", "gzip", "identity")
    }
    assert len(set(tags.values())) == 3
    for coding, tag in tags.items():
        again = client.get("/practices?page=1", headers={**headers, "Accept-Encoding": coding, "If-None-Match": tag})
        assert again.status_code == 304 and again.headers["ETag"] == tag


@pytest.mark.parametrize(
    ("asked", "coding"),
    [("gzip;q=0", None), ("gzip;q=0, *", "br"), ("br;q=0, *", "gzip"), ("gzip;q=0, br;q=0, *", None), ("*", "br")],
)
def test_a_coding_refused_with_q_0_is_not_used(client, asked, coding):
    r = client.get("/static/coopkg/site.css", headers={"Accept-Encoding": asked})
    assert r.headers.get("Content-Encoding") == coding
    page = client.get("/map", headers={"Accept-Encoding": asked})
    assert page.headers.get("Content-Encoding") == coding


def test_a_304_only_for_a_representation_the_client_can_decode(client):
    tag = client.get("/map", headers={"Accept-Encoding": "br"}).headers["ETag"]
    assert tag.endswith(':br"')
    for asked in ("identity", "gzip"):
        again = client.get("/map", headers={"Accept-Encoding": asked, "If-None-Match": tag})
        assert again.status_code == 200 and again.headers.get("Content-Encoding") != "br"
    assert client.get("/map", headers={"Accept-Encoding": "br", "If-None-Match": tag}).status_code == 304


@pytest.mark.parametrize("encoding", ["br", "identity"])
def test_a_static_file_s_304_varies_as_its_200_does(client, encoding):
    """RFC 9110: a 304 carries the Vary its 200 would; a static file does not vary with the reader's language."""
    name = "/static/d3/d3.min.js"
    with client.get(name, headers={"Accept-Encoding": encoding}) as first:  # streamed from its file when plain
        vary, tag = first.headers.get("Vary"), first.headers["ETag"]
    with client.get(name, headers={"Accept-Encoding": encoding, "If-None-Match": tag}) as again:
        assert again.status_code == 304 and again.headers.get("Vary") == vary
    assert "Accept-Language" not in (vary or "")
