"""Labels that a reader can read (issue #31, item 5): on /map and on the default /network view, no two labels
shown overlap, measured from the drawn elements in a real browser (Debian's Chromium)."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]

#: The pairs of boxes ({id, x1, y1, x2, y2}) that overlap by more than a rounding error.
OVERLAPS = """(boxes) => {
  const pairs = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.x1 < b.x2 - 0.5 && b.x1 < a.x2 - 0.5 && a.y1 < b.y2 - 0.5 && b.y1 < a.y2 - 0.5) pairs.push([a.id, b.id]);
    }
  return pairs;
}"""

#: The screen boxes of the map's labels that are drawn.
MAP_LABELS = """() => [...document.querySelectorAll('#map text')]
  .filter((t) => t.textContent && getComputedStyle(t).display !== 'none' && getComputedStyle(t).visibility !== 'hidden')
  .map((t) => { const r = t.getBoundingClientRect();
    return { id: t.textContent, x1: r.left, y1: r.top, x2: r.right, y2: r.bottom }; })
  .filter((b) => b.x2 > b.x1 && b.y2 > b.y1)"""


def _overlaps(page, boxes: list[dict]) -> list:
    return page.evaluate(OVERLAPS, boxes)


def test_no_two_labels_on_the_map_overlap_and_the_lead_city_is_labelled(live, page):
    page.goto(live.url + "/map")
    page.wait_for_function("() => window.mapView && window.mapView.labelsPlaced > 0", timeout=30000)
    boxes = page.evaluate(MAP_LABELS)
    assert len(boxes) >= 5, boxes
    assert _overlaps(page, boxes) == []
    lead = page.evaluate(
        """() => { const total = (p) => p.partners + p.events + p.practices;
        return [...window.mapView.data.places].sort((a, b) => total(b) - total(a))[0].label; }"""
    )
    assert lead in {b["id"] for b in boxes}  # the lead city wins its place
    placed = page.evaluate("() => window.mapView.labelsPlaced")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -600)  # zoomed in, the labels are placed again at their size on the screen
    page.wait_for_function(f"() => window.mapView.labelsPlaced > {placed}", timeout=30000)
    assert _overlaps(page, page.evaluate(MAP_LABELS)) == []
    placed = page.evaluate("() => window.mapView.labelsPlaced")
    page.set_viewport_size({"width": 900, "height": 700})  # redrawn at another size: still no overlap
    page.wait_for_function(f"() => window.mapView.labelsPlaced > {placed}", timeout=30000)
    assert _overlaps(page, page.evaluate(MAP_LABELS)) == []
    page.set_viewport_size({"width": 1280, "height": 900})


def test_no_two_labels_on_the_default_network_overlap(live, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live.url + "/network")
    page.wait_for_function("() => window.networkView && window.networkView.labelsPlaced > 0", timeout=30000)
    boxes = page.evaluate("() => window.networkView.labelBoxes()")
    assert len(boxes) >= 3, boxes
    assert _overlaps(page, boxes) == []
    # the most connected node is labelled, and zoomed in the labels in view are still apart
    top = page.evaluate("""() => window.networkView.cy.nodes().max((n) => n.data('degree')).ele.id()""")
    assert top in {b["id"] for b in boxes}
    page.wait_for_timeout(400)  # a placement pending after the first draw is done
    placed = page.evaluate("() => window.networkView.labelsPlaced")
    page.evaluate(
        """() => { const cy = window.networkView.cy;
        cy.zoom({ level: cy.zoom() * 3, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }); }"""
    )
    page.wait_for_function(f"() => window.networkView.labelsPlaced > {placed}", timeout=30000)
    zoomed = page.evaluate("() => window.networkView.labelBoxes()")
    assert zoomed and _overlaps(page, zoomed) == []


def test_the_network_side_panel_speaks_plainly_and_folds_the_measures(live, page):
    florence = "https://w3id.org/coopkg/id/innocrafts/organisation/P01"
    page.goto(f"{live.url}/network?node={florence}")
    page.locator("#panel h3").wait_for(timeout=10000)
    panel = page.locator("#panel")
    text = panel.inner_text()
    assert "Municipality of Florence" in text and "Italy" in text
    assert "Partners" in text and "Bridges between groups" in text and "Group" in text
    assert "Community" not in text and "Betweenness" not in text  # folded away
    page.locator("#panel summary").click()
    assert "Betweenness" in panel.inner_text() and "PageRank" in panel.inner_text()
    page.goto(f"{live.url}/network?node={florence}&lang=it")
    page.locator("#panel h3").wait_for(timeout=10000)
    assert "Italia" in page.locator("#panel").inner_text()  # the country in the reader's language


def test_the_programme_and_source_filters_live_in_the_page_url(live, page):
    ivc = "https://w3id.org/coopkg/id/programme/interreg-ivc"
    page.goto(live.url + "/network")
    page.wait_for_function("() => window.networkView && window.networkView.data")
    page.wait_for_function("() => document.querySelector('select[name=programme]').options.length > 1")
    page.select_option("select[name=programme]", label="INTERREG IVC")
    page.wait_for_function("() => location.search.includes('programme=')")
    page.select_option("select[name=source]", value="innocrafts")
    page.wait_for_function("() => location.search.includes('source=innocrafts')")
    page.wait_for_load_state("networkidle")  # the view of both filters has arrived
    shown = page.evaluate("() => window.networkView.data.nodes.length")
    link = page.url
    page.goto(link)  # the link reproduces the view
    page.wait_for_function("() => window.networkView && window.networkView.data")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => document.querySelector('select[name=programme]').value") == ivc
    assert page.evaluate("() => window.networkView.data.nodes.length") == shown
