// The /map page: partners, events and transfers on a map of Europe (d3-geo), from /api/map.
// Its addresses come from the page's JSON data block (no inline script: the pages send a strict CSP).
(() => {
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const api = page.api;
  const optionsUrl = page.optionsUrl;
  const atlasUrl = page.atlasUrl;
  // the words of the page in the reader's language, and countries' names in it (views.js)
  const { say, countryName } = window.coopkgViews.words(page.text || {});
  const form = document.getElementById("controls");
  const field = (name) => form.elements[name];
  const filterNames = ["programme", "source", "project", "theme", "country", "year"];
  const svg = d3.select("#map");
  let countries = null, data = null, selected = "", sizing = null;
  const atlas = fetch(atlasUrl).then((r) => r.json()).then((world) => { countries = topojson.feature(world, world.objects.countries); });
  const projection = d3.geoAzimuthalEqualArea().rotate([-12, -52]);
  const path = d3.geoPath(projection);
  const layer = svg.append("g");
  svg.append("defs").html('<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto"><path d="M0 0L10 5L0 10z" fill="#c0143c"/></marker>');
  // Zoomed in, the labels keep their size on the screen and are placed again, so more cities find room.
  let scale = 1, placing = 0;
  svg.call(d3.zoom().scaleExtent([1, 12]).on("zoom", (event) => {
    layer.attr("transform", event.transform);
    if (event.transform.k !== scale && data) {
      scale = event.transform.k;
      clearTimeout(placing);
      placing = setTimeout(() => placeLabels(), 150);
    }
  }));

  function readUrl() {
    const params = new URLSearchParams(location.search);
    for (const name of filterNames) if (params.has(name)) field(name).value = params.get(name);
    for (const name of ["links", "transfers"]) if (params.has(name)) field(name).checked = params.get(name) !== "0";
    selected = params.get("place") || "";
  }
  function writeUrl() {
    const params = new URLSearchParams();
    for (const name of filterNames) if (field(name).value) params.set(name, field(name).value);
    for (const name of ["links", "transfers"]) if (!field(name).checked) params.set(name, "0");
    if (selected) params.set("place", selected);
    history.replaceState(null, "", "?" + params.toString());
    coopkgViews.embedCode(params);
  }
  async function load() {
    writeUrl();
    const params = new URLSearchParams();
    for (const name of filterNames) if (field(name).value) params.set(name, field(name).value);
    coopkgViews.askFewer(params, page);
    const response = await fetch(api + "?" + params.toString());
    if (!response.ok) { document.getElementById("message").textContent = await response.text(); return; }
    const answer = await response.json();
    await atlas;  // fetched beside the data (both are preloaded by the page)
    data = answer;
    performance.mark("coopkg:data");
    document.getElementById("message").textContent = coopkgViews.note(data, page.notes, coopkgViews.small(page));
    draw();
  }
  function arc(a, b) {
    const [x1, y1] = a, [x2, y2] = b, dx = x2 - x1, dy = y2 - y1;
    return `M${x1},${y1} Q${(x1 + x2) / 2 - dy * 0.2},${(y1 + y2) / 2 + dx * 0.2} ${x2},${y2}`;
  }
  function draw() {
    const box = svg.node().getBoundingClientRect();
    svg.attr("viewBox", `0 0 ${box.width} ${box.height}`);
    const europe = { type: "Feature", geometry: { type: "Polygon", coordinates: [[[-11, 35], [32, 35], [32, 66], [-11, 66], [-11, 35]]] } };
    const shown = data.places.length ? { type: "MultiPoint", coordinates: data.places.map((p) => [p.long, p.lat]) } : europe;
    projection.fitExtent([[30, 30], [box.width - 30, box.height - 30]], data.places.length > 1 ? shown : europe);
    layer.selectAll("*").remove();
    layer.append("g").selectAll("path").data(countries.features).join("path")
      .attr("d", path).attr("fill", "#fdfcf7").attr("stroke", "#9aa3b5").attr("stroke-width", 0.5);
    const byId = new Map(data.places.map((p) => [p.id, p]));
    const byNumeric = new Map(countries.features.map((f) => [String(f.id), f]));
    // A transfer ends at its city; one whose end is known only by its country points to the country's middle
    // (its largest part's, so that islands far away do not pull it), where a hollow ring says so.
    const middle = (f) => f.geometry.type !== "MultiPolygon" ? path.centroid(f) : path.centroid(
      d3.greatest(f.geometry.coordinates.map((c) => ({ type: "Polygon", coordinates: c })), (g) => d3.geoArea(g)));
    const point = (end) => end.place ? projection([byId.get(end.place).long, byId.get(end.place).lat])
      : byNumeric.has(end.numeric) ? middle(byNumeric.get(end.numeric)) : null;
    const endName = (end) => end.place ? byId.get(end.place).label : say("countryOnly", { country: countryName(end.country) });
    const maxWeight = Math.max(1, ...data.links.map((l) => l.weight));
    if (field("links").checked) layer.append("g").attr("class", "links").selectAll("path")
      .data(data.links.filter((l) => byId.has(l.source) && byId.has(l.target))).join("path")
      .attr("d", (l) => arc(projection([byId.get(l.source).long, byId.get(l.source).lat]), projection([byId.get(l.target).long, byId.get(l.target).lat])))
      .attr("fill", "none").attr("stroke", "#e08a00").attr("stroke-opacity", 0.6)
      .attr("stroke-width", (l) => 1 + 5 * l.weight / maxWeight)
      .append("title").text((l) => say("linkTitle", { a: byId.get(l.source).label, b: byId.get(l.target).label, count: l.weight }));
    const transfers = data.transfers.map((t) => ({ ...t, a: point(t.from), b: point(t.to) })).filter((t) => t.a && t.b);
    if (field("transfers").checked) {
      const group = layer.append("g").attr("class", "transfers");
      group.selectAll("path").data(transfers).join("path")
        .attr("class", (t) => t.to.place ? "transfer to-city" : "transfer to-country")
        .attr("d", (t) => arc(t.a, t.b)).attr("fill", "none").attr("stroke", "#c0143c").attr("stroke-width", 2)
        .attr("stroke-dasharray", "4 2").attr("marker-end", "url(#arrow)")
        .append("title").text((t) => say("transferTitle", { from: endName(t.from), to: endName(t.to), kind: t.kind }));
      const countryEnds = new Map();
      for (const t of transfers) for (const [end, at] of [[t.from, t.a], [t.to, t.b]])
        if (!end.place) countryEnds.set(end.country, { country: end.country, at });
      group.selectAll("circle").data([...countryEnds.values()]).join("circle").attr("class", "country-end")
        .attr("data-country", (e) => e.country).attr("cx", (e) => e.at[0]).attr("cy", (e) => e.at[1]).attr("r", 7)
        .attr("fill", "none").attr("stroke", "#c0143c").attr("stroke-width", 2).attr("stroke-dasharray", "3 2")
        .append("title").text((e) => say("countryOnly", { country: countryName(e.country) }));
    }
    const total = (p) => p.partners + p.events + p.practices;
    const radius = d3.scaleSqrt().domain([0, Math.max(1, ...data.places.map(total))]).range([3, 18]);
    const places = layer.append("g").selectAll("circle").data(data.places).join("circle")
      .attr("class", "place").attr("tabindex", 0).attr("role", "button")
      .attr("aria-label", (p) => say("placeLabel", { name: p.label, partners: p.partners, events: p.events, practices: p.practices }))
      .attr("data-id", (p) => p.id)
      .attr("cx", (p) => projection([p.long, p.lat])[0]).attr("cy", (p) => projection([p.long, p.lat])[1])
      .attr("r", (p) => radius(total(p))).attr("fill", "#003399").attr("fill-opacity", 0.7)
      .attr("stroke", (p) => p.id === selected ? "#d7191c" : "#fff").attr("stroke-width", 1.5)
      .on("click", (event, p) => select(p.id))
      .on("keydown", (event, p) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(p.id); } });
    places.append("title").text((p) => p.label);
    sizing = { total, radius };
    performance.mark("coopkg:shapes");
    placeLabels();
    const toCountry = transfers.filter((t) => !t.from.place || !t.to.place).length;
    document.getElementById("counts").textContent =
      say("counts", { places: data.places.length, links: data.drawn.of, transfers: transfers.length }) +
      (toCountry ? ". " + say("countryEnds", { num: toCountry }) : "");
    if (selected && byId.has(selected)) select(selected); else if (selected) { selected = ""; writeUrl(); }
    if (!window.mapView.drawnAt) {  // the data is drawn: what bench/views.py times
      window.mapView.drawnAt = performance.now();
      performance.mark("coopkg:drawn");
    }
  }
  // Every city's label, placed greedily in order of importance (the most partners, events and practices first,
  // so the lead city wins): right of its circle, else left, above or below; a label whose box would touch a label
  // already placed or another city's circle is left out (the circle keeps its title). The boxes are measured on a
  // canvas (the font's width and height), not from drawn text: asking the SVG for each box laid the page out
  // again every time, which took seconds on a phone.
  const measure = document.createElement("canvas").getContext("2d");
  function placeLabels() {
    const { total, radius } = sizing, places = data.places, k = scale;
    layer.selectAll("g.labels").remove();
    const group = layer.append("g").attr("class", "labels");
    measure.font = "11px sans-serif";
    const metrics = measure.measureText("Hg");
    const ascent = (metrics.fontBoundingBoxAscent || 9) / k, descent = (metrics.fontBoundingBoxDescent || 3) / k;
    const circles = places.map((p) => { const [x, y] = projection([p.long, p.lat]), r = radius(total(p));
      return { id: p.id, x1: x - r, y1: y - r, x2: x + r, y2: y + r }; });
    const placed = [], gap = 1 / k;
    const touches = (a, b) => a.x1 < b.x2 + gap && b.x1 < a.x2 + gap && a.y1 < b.y2 + gap && b.y1 < a.y2 + gap;
    for (const p of [...places].sort((a, b) => total(b) - total(a) || a.label.localeCompare(b.label))) {
      const [x, y] = projection([p.long, p.lat]), r = radius(total(p));
      const width = measure.measureText(p.label).width / k, height = ascent + descent;
      const spots = [[x + r + 2 / k, y + 4 / k, "start"], [x - r - 2 / k, y + 4 / k, "end"], [x, y - r - 3 / k, "middle"],
        [x, y + r + height - 2 / k, "middle"]];
      for (const [tx, ty, anchor] of spots) {
        const x1 = anchor === "start" ? tx : anchor === "end" ? tx - width : tx - width / 2;
        const box = { x1, y1: ty - ascent, x2: x1 + width, y2: ty + descent };
        if (placed.some((q) => touches(box, q)) || circles.some((c) => c.id !== p.id && touches(box, c))) continue;
        placed.push(box);
        group.append("text").attr("font-size", 11 / k).attr("font-family", "sans-serif")
          .attr("pointer-events", "none").attr("class", "place-label").attr("data-id", p.id)
          .attr("paint-order", "stroke").attr("stroke", "#eef3fa").attr("stroke-width", 3 / k)
          .attr("x", tx).attr("y", ty).attr("text-anchor", anchor).text(p.label);
        break;
      }
    }
    window.mapView.labelsPlaced = (window.mapView.labelsPlaced || 0) + 1;
  }
  function select(id) {
    selected = id;
    writeUrl();
    layer.selectAll("circle.place").attr("stroke", (p) => p.id === id ? "#d7191c" : "#fff").attr("stroke-width", (p) => p.id === id ? 3 : 1.5);
    const p = data.places.find((x) => x.id === id);
    const panel = document.getElementById("panel");
    panel.replaceChildren();
    if (!p) return;
    const title = document.createElement("h3");
    title.textContent = p.label;
    const facts = document.createElement("dl");
    facts.className = "facts";
    for (const [label, value] of [[say("country"), countryName(p.country)], [say("partners"), p.partners], [say("events"), p.events], [say("practices"), p.practices]]) {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label; dd.textContent = value; facts.append(dt, dd);
    }
    panel.append(title, facts);
    if (p.page) { const a = document.createElement("a"); a.href = p.page; a.textContent = say("open"); panel.append(a); }
  }
  function svgText() {
    const copy = svg.node().cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    return new XMLSerializer().serializeToString(copy);
  }
  document.getElementById("svg").addEventListener("click", () => coopkgViews.download("map.svg", URL.createObjectURL(new Blob([svgText()], { type: "image/svg+xml" }))));
  document.getElementById("png").addEventListener("click", () => {
    const box = svg.node().getBoundingClientRect(), image = new Image(), canvas = document.createElement("canvas");
    canvas.width = box.width * 2; canvas.height = box.height * 2;
    image.onload = () => { const ctx = canvas.getContext("2d"); ctx.fillStyle = "#eef3fa"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height); coopkgViews.download("map.png", canvas.toDataURL("image/png")); };
    image.src = URL.createObjectURL(new Blob([svgText()], { type: "image/svg+xml" }));
  });
  form.addEventListener("change", (event) => { if (filterNames.includes(event.target.name)) { selected = ""; load(); } else { draw(); writeUrl(); } });
  window.addEventListener("resize", () => data && draw());
  window.mapView = { get data() { return data; }, labelsPlaced: 0, drawnAt: 0 };
  coopkgViews.seedFilters(form, ["programme", "source", "project", "theme", "country", "year"]);
  readUrl();
  load();
  coopkgViews.fillFilters(form, optionsUrl);
})();
