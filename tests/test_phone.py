"""The pages on a phone, in a real browser (Debian's Chromium at 360 px wide): nothing is wider than the screen,
so a reader never scrolls sideways to read a line."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]

PHONE = 360

#: Every kind of page a partner reads: the lists, one entity of each kind, the maps and the query editor.
PAGES = [
    "/",
    "/practices",
    "/id/innocrafts/practice/IC-GP01",
    "/id/innocrafts/organisation/P01",
    "/id/project/innocrafts",
    "/id/city/florence",
    "/transfers",
    "/search?q=craft",
    "/map",
    "/network",
    "/embed/map",
    "/embed/network",
    "/sparql",
    "/dumps",
    "/ontology",
]


#: Elements whose right edge is past the screen, leaving out those inside a box that scrolls or clips on its
#: own (a wide table in its own scroller is readable; the page itself must not scroll sideways).
OVERFLOWING = """(screen) => {
  const own = (e) => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX) && a.getBoundingClientRect().right <= screen + 1)
        return true; }
    return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > screen + 1)
    .filter(e => !own(e))
    .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} ${Math.round(e.getBoundingClientRect().right)}px`)
    .slice(0, 8);
}"""


@pytest.fixture(scope="module")
def phone():
    from tests.chromium import chromium_page

    with chromium_page(PHONE, 780) as page:
        yield page


@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_wider_than_a_phone(live, phone, path):
    response = phone.goto(live.url + path)
    assert response is not None and response.status == 200, path
    phone.wait_for_load_state("networkidle")
    wider = phone.evaluate(OVERFLOWING, PHONE)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE and not wider, f"{path} is {width} px wide at {PHONE} px: {wider}"


def test_the_language_switch_is_folded_and_one_tap_away(live, phone):
    phone.goto(live.url + "/practices")
    switch = phone.locator("nav.languages")
    assert not switch.locator("a[hreflang=hu]").is_visible()  # folded: the names do not fill the screen
    switch.locator("summary").click()
    switch.locator("a[hreflang=hu]").click()
    phone.wait_for_load_state()
    assert phone.evaluate("() => document.documentElement.lang") == "hu"
    assert "Magyar" in switch.locator("summary").inner_text()
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE
    phone.goto(live.url + "/practices?lang=en")  # the next test reads English


def test_a_phone_draws_the_strongest_links_only_and_says_so(default_live, phone):
    """On a small screen the network and the map ask the server for their strongest links (the default build
    has about 6,000): the strongest ones, preloaded, the network with the nodes they join only, and the page
    says how many of how many."""
    from api.network import PHONE_LINKS

    for path, view, items in (("/network", "networkView", "edges"), ("/map", "mapView", "links")):
        asked: list[str] = []

        def record(request, asked=asked) -> None:
            asked.append(request.url)

        phone.on("request", record)
        phone.goto(default_live.url + path)
        phone.wait_for_function(f"() => window.{view} && window.{view}.data", timeout=120_000)
        every = phone.evaluate(f"() => fetch('/api/{path[1:]}').then((r) => r.json())")
        shown = phone.evaluate(f"() => window.{view}.data")
        weights = sorted((e["weight"] for e in every[items]), reverse=True)
        assert len(weights) > PHONE_LINKS and len(shown[items]) == PHONE_LINKS
        assert sorted((e["weight"] for e in shown[items]), reverse=True) == weights[:PHONE_LINKS]  # the strongest
        assert sum(f"strongest={PHONE_LINKS}" in url for url in asked) == 1  # the preloaded answer, fetched once
        message = phone.locator("#message").inner_text()
        assert f"{PHONE_LINKS:,}" in message and f"{every['drawn']['of']:,}" in message
        phone.remove_listener("request", record)
        if view == "networkView":
            joined = {e["source"] for e in shown["edges"]} | {e["target"] for e in shown["edges"]}
            assert {n["id"] for n in shown["nodes"]} == joined < {n["id"] for n in every["nodes"]}
            assert phone.evaluate(
                "() => [window.networkView.cy.nodes().length, window.networkView.cy.edges().length]"
            ) == [
                len(joined),
                PHONE_LINKS,
            ]
            assert f"{len(joined):,} of the {len(every['nodes']):,} organisations" in message
        else:
            assert len(shown["places"]) == len(every["places"])  # a map keeps every place


@pytest.mark.parametrize(
    "lang, sentence",
    [
        ("en", "The {shown} strongest of {all} links are drawn."),
        ("it", "Sono disegnati i {shown} legami più forti su {all}."),
        ("hu", "A(z) {all} kapcsolatból a {shown} legerősebb látható."),
    ],
)
def test_a_wide_screen_says_how_many_links_it_draws_in_the_reader_s_language(default_live, phone, lang, sentence):
    """The default network has more links than a view draws; the page says so in its reader's language, with the
    numbers written as that language writes them."""
    page = phone
    page.set_viewport_size({"width": 1280, "height": 900})
    try:
        _says_in(page, f"{default_live.url}/network?lang={lang}", lang, sentence)
    finally:
        page.set_viewport_size({"width": PHONE, "height": 780})
        page.goto(default_live.url + "/practices?lang=en")  # the next test reads English


def _says_in(page, url: str, lang: str, sentence: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.networkView && window.networkView.data", timeout=120_000)
    drawn = page.evaluate("() => window.networkView.data.drawn")
    assert drawn["links"] < drawn["of"]
    number = f"(n) => new Intl.NumberFormat('{lang}').format(n)"  # as the language writes numbers (5000, 5 000)
    words = {k: page.evaluate(number, v) for k, v in (("shown", drawn["links"]), ("all", drawn["of"]))}
    assert page.locator("#message").inner_text() == sentence.format(**words)
