"""Accessibility in a real browser: axe-core (vendored from npm in tests/vendor/axe-core) finds no violation of the
WCAG 2.0 and 2.1 level A and AA rules on any kind of page, the query editor (YASGUI) and the API's page (Swagger
UI) included, in their first view and once a reader has opened what they fold away."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: Rules switched off for one element only, each with its reason: (page id, rule, CSS selector, reason). Empty:
#: every violation found was fixed in our templates, CSS and JS (openapi-page.*, sparql-page.*).
EXCEPTIONS: list[tuple[str, str, str, str]] = []


def _open_details(page) -> None:
    """Open every folded section (<details>), so that what it hides is checked too."""
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")


def _sparql_results(page) -> None:
    """A saved query run, its results in YASR's table, and the tab's settings menu opened."""
    page.locator("#examples button").first.click()
    page.locator(".yasr table td").first.wait_for(timeout=15000)
    page.locator(".yasgui .tabContextButton").first.click()


def _sparql_editor(page) -> None:
    page.locator(".yasqe .CodeMirror").first.wait_for(timeout=15000)


def _swagger(page) -> None:
    page.locator(".swagger-ui .opblock-summary-control").first.wait_for(timeout=15000)


def _swagger_tried(page) -> None:
    """An operation opened, "Try it out" pressed and the request sent: its parameters, response and curl line."""
    _swagger(page)
    saved = page.locator(".opblock-summary-path[data-path='/api/queries/cities-with-most-practices']")
    page.locator(".swagger-ui .opblock-summary-control", has=saved).first.click()
    page.locator(".swagger-ui .try-out__btn").first.click()
    page.locator(".swagger-ui .execute").first.click()
    page.locator(".swagger-ui .responses-table.live-responses-table").first.wait_for(timeout=15000)


def _map_place(page) -> None:
    """A place chosen with the keyboard, as the page says: Tab to it and press Enter."""
    place = page.locator("#map .place").first
    place.wait_for(timeout=15000)
    place.focus()
    page.keyboard.press("Enter")
    page.locator("#panel h3, #panel a").first.wait_for(timeout=15000)


def _network_drawn(page) -> None:
    page.wait_for_function("() => window.networkView && window.networkView.draws > 0", timeout=15000)


#: The Municipality of Florence, chosen on the network (its facts in the side panel).
FLORENCE = "https://w3id.org/coopkg/id/innocrafts/organisation/P01"

#: Every kind of page, by id: its address and what is done on it before the check.
PAGES = {
    "home": ("/", None),
    "practice": ("/id/innocrafts/practice/IC-GP01", _open_details),
    "organisation": ("/id/innocrafts/organisation/P01", _open_details),
    "city": ("/id/city/florence", _open_details),
    "project": ("/id/project/innocrafts", _open_details),
    "theme": ("/scheme/theme/T2", _open_details),
    "scheme": ("/scheme/theme", _open_details),
    "practices": ("/practices", _open_details),
    "partners": ("/partners", _open_details),
    "cities": ("/cities", _open_details),
    "projects": ("/projects", _open_details),
    "events": ("/events", _open_details),
    "vocabularies": ("/vocabularies", _open_details),
    "transfers": ("/transfers", _open_details),
    "search": ("/search?q=craft", _open_details),
    "search-nothing": ("/search?q=zzzqqq", None),
    "network": ("/network", _network_drawn),
    "network-node": ("/network?" + urlencode({"node": FLORENCE}), _network_drawn),
    "map": ("/map", None),
    "map-place": ("/map", _map_place),
    "sparql": ("/sparql", _sparql_editor),
    "sparql-results": ("/sparql", _sparql_results),
    "api-docs": ("/api/docs", _swagger),
    "api-docs-tried": ("/api/docs", _swagger_tried),
    "dumps": ("/dumps/", _open_details),
    "ontology": ("/ontology", _open_details),
    "not-found": ("/id/innocrafts/practice/no-such-practice", None),
    "home-hu": ("/?lang=hu", None),
    "practice-hu": ("/id/innocrafts/practice/IC-GP01?lang=hu", _open_details),
    "map-it": ("/map?lang=it", None),
}

RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')), summaries: v.nodes.slice(0, 3).map((n) => n.failureSummary) }));
}"""


def violations(page, url: str, action) -> tuple[int, list[dict]]:
    """The page's HTTP status and axe-core's violations of the WCAG A and AA rules on it, once `action` has run.

    axe is injected with `page.evaluate` (the Chrome DevTools protocol's Runtime.evaluate), which a page's
    Content-Security-Policy does not govern: the pages keep their strict policy (script-src 'self', no inline
    script) while checked, and the `page` fixture fails a test whose page reported a CSP violation. A <script>
    tag with the code in it (page.add_script_tag(content=...)) would be refused by that policy."""
    response = page.goto(url)
    assert response is not None
    page.wait_for_load_state("networkidle")
    if action is not None:
        action(page)
        page.wait_for_load_state("networkidle")
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return response.status, page.evaluate(RUN, TAGS)


def allowed(name: str, violation: dict) -> list[str]:
    """The targets of a violation not covered by an exception."""
    covered = {selector for page, rule, selector, _ in EXCEPTIONS if page == name and rule == violation["id"]}
    return [t for t in violation["targets"] if t not in covered]


def report(found: list[dict]) -> str:
    """Each violation's rule, impact and help, the first few elements (CSS selectors) and what axe says of them."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}; {len(v['targets'])} element(s):")
        for target, summary in zip(v["targets"][:3], v["summaries"], strict=False):
            lines.append(f"  {target}: {' '.join((summary or '').split())[:300]}")
        lines.extend(f"  {target}" for target in v["targets"][3:6])
    return "\n".join(lines)


def check(page, base: str, name: str, screen: str = "") -> None:
    """Fails with axe's report when the page `name` has a violation not covered by an exception."""
    path, action = PAGES[name]
    status, found = violations(page, base + path, action)
    assert status == (404 if name == "not-found" else 200), (path, status)
    found = [v for v in found if allowed(name, v)]
    assert not found, f"{path} ({name}){screen}: {len(found)} axe violation(s)\n{report(found)}"


@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_violation(live, page, name):
    check(page, live.url, name)


#: The pages whose layout changes most on a phone (the header wraps, the maps' panels go below, code scrolls).
PHONE_PAGES = ["home", "practice", "practices", "map-place", "network-node", "sparql-results", "api-docs-tried"]


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_no_wcag_violation_on_a_phone(live, page, name):
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 780})  # the same browser: Playwright's sync API runs one
    try:
        check(page, live.url, name, " at 360 px")
    finally:
        page.set_viewport_size(size)


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_the_content(live, page):
    page.goto(live.url + "/practices")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    assert page.locator("a.skip").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
