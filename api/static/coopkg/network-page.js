// The /network page: draws the collaboration network (Cytoscape.js) from /api/network for the filters.
// Its addresses come from the page's JSON data block (no inline script: the pages send a strict CSP).
(() => {
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const api = page.api;
  const optionsUrl = page.optionsUrl;
  // the words of the page in the reader's language, and countries' names in it (views.js)
  const { say, lang, countryName } = window.coopkgViews.words(page.text || {});
  const plain = (code) => String(code || "").replace(/[-_]+/g, " ");
  const form = document.getElementById("controls");
  const field = (name) => form.elements[name];
  const filterNames = ["kind", "programme", "source", "project", "theme", "country", "city", "year"];
  const stateNames = [...filterNames, "size", "colour", "find", "node", "radius"];
  // Colours by value, in the order values are first met: Tableau 10 then ColorBrewer's Set3 (as d3-scale-chromatic
  // gives them); the page does without d3, whose 78 kB a phone waited for to colour the nodes.
  const COLOURS = ["#4e79a7", "#f28e2c", "#e15759", "#76b7b2", "#59a14f", "#edc949", "#af7aa1", "#ff9da7", "#9c755f",
    "#bab0ab", "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#d9d9d9",
    "#bc80bd", "#ccebc5", "#ffed6f"];
  const coloured = new Map();
  const palette = (value) => {
    if (!coloured.has(value)) coloured.set(value, COLOURS[coloured.size % COLOURS.length]);
    return coloured.get(value);
  };
  let cy = null, data = null, selected = "";

  function readUrl() {
    const params = new URLSearchParams(location.search);
    for (const name of stateNames) if (params.has(name) && field(name)) field(name).value = params.get(name);
    selected = params.get("node") || "";
  }
  function writeUrl() {
    const params = new URLSearchParams();
    for (const name of stateNames) { const v = name === "node" ? selected : field(name).value; if (v) params.set(name, v); }
    history.replaceState(null, "", "?" + params.toString());
    coopkgViews.embedCode(params);
  }
  function query() {
    const params = new URLSearchParams();
    for (const name of filterNames) if (field(name).value) params.set(name, field(name).value);
    if (field("radius").value && selected) { params.set("ego", selected); params.set("radius", field("radius").value); }
    coopkgViews.askFewer(params, page);
    return params;
  }
  function colourOf(node) { return palette(String(node[field("colour").value] ?? "")); }
  function sizes(nodes) {
    const key = field("size").value;
    const max = Math.max(1e-9, ...nodes.map((n) => n[key] || 0));
    return (n) => 14 + 46 * Math.sqrt((n[key] || 0) / max);
  }
  // Labels keep one size on the screen at every zoom (their model size is divided by the zoom), so zooming in
  // leaves room for more of them; which are shown is decided by placeLabels.
  function styles(zoom) {
    return [
      // a label's properties on the labelled nodes only: styling every node's text was a slow phone's second
      { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)",
        "border-width": 1, "border-color": "#333" } },
      { selector: "node.labelled", style: { label: "data(label)", "font-size": 11 / zoom, "text-wrap": "ellipsis",
        "text-max-width": 130 / zoom, "text-valign": "bottom", "text-margin-y": 2 / zoom, "text-outline-color": "#fff",
        "text-outline-width": 1.5 / zoom, "text-outline-opacity": 0.8, "z-index": 10 } },
      { selector: "edge", style: { width: "data(width)", "line-color": "#9aa8c7", opacity: 0.7,
        "curve-style": data.directed ? "bezier" : "haystack",
        "target-arrow-shape": data.directed ? "triangle" : "none", "target-arrow-color": "#9aa8c7" } },
      { selector: ".found", style: { "border-width": 5, "border-color": "#ffcc00" } },
      { selector: "node:selected", style: { "border-width": 5, "border-color": "#d7191c" } },
      { selector: ".faded", style: { opacity: 0.15 } },
    ];
  }
  // Labels by importance: the chosen and found nodes first, then by the size measure (then partners); a label
  // whose box (as Cytoscape draws it) would touch one already shown is hidden, and only nodes in view count.
  function placeLabels() {
    if (!cy) return;
    const zoom = cy.zoom();
    if (zoom !== styledZoom) { cy.style().fromJson(styles(zoom)).update(); styledZoom = zoom; }  // not on a pan
    const key = field("size").value, view = cy.extent(), gap = 3 / zoom;
    const rank = (n) => (n.id() === selected ? 2e9 : 0) + (n.hasClass("found") ? 1e9 : 0) + (n.data(key) || 0) * 1e3 +
      (n.data("degree") || 0) * 1e-3;
    const nodes = cy.nodes().toArray();
    cy.batch(() => cy.nodes().addClass("labelled"));  // every label styled, to be measured
    // Labelled nodes are drawn above the others (z-index), so only their discs can hide a label: a node keeps its
    // label when the label touches no label or disc of a node placed before it, and its disc covers no such label.
    const body = (n) => n.boundingBox({ includeLabels: false, includeOverlays: false });
    const placed = [], hidden = [];
    const apart = (a, b, space) => a.x1 >= b.x2 + space || b.x1 >= a.x2 + space || a.y1 >= b.y2 + space || b.y1 >= a.y2 + space;
    for (const node of nodes.sort((a, b) => rank(b) - rank(a))) {
      const box = node.boundingBox({ includeLabels: true, includeNodes: false, includeOverlays: false });
      const inView = box.x2 > view.x1 && box.x1 < view.x2 && box.y2 > view.y1 && box.y1 < view.y2;
      const disc = body(node);
      if (!node.data("label") || !box.w || !inView ||
          !placed.every((p) => apart(box, p.label, gap) && apart(box, p.disc, 0) && apart(disc, p.label, 0)))
        hidden.push(node);
      else placed.push({ label: box, disc });
    }
    cy.batch(() => cy.collection(hidden).removeClass("labelled"));
    window.networkView.labelsPlaced += 1;
  }
  let placing = 0, styledZoom = 0;
  function placeLabelsSoon() { clearTimeout(placing); placing = setTimeout(placeLabels, 150); }
  async function load() {
    writeUrl();
    const response = await fetch(api + "?" + query().toString());
    if (!response.ok) { document.getElementById("message").textContent = await response.text(); return; }
    data = await response.json();
    performance.mark("coopkg:data");
    document.getElementById("message").textContent = message();
    draw();
  }
  // On a phone's screen the strongest links only (asked for in query()): thousands of lines are no more readable
  // there. The measures still count every link.
  function message() { return coopkgViews.note(data, page.notes, coopkgViews.small(page)); }
  function draw() {
    const size = sizes(data.nodes);
    const edges = data.edges;
    const maxWeight = Math.max(1, ...edges.map((e) => e.weight));
    const elements = [
      // drawn first without labels, which are placed once the network is on the screen (placeLabels)
      ...data.nodes.map((n) => ({ data: { ...n, id: n.id, label: data.kind === "country" ? countryName(n.label) : n.label,
        size: size(n), colour: colourOf(n) }, position: { x: n.x, y: n.y } })),
      ...edges.map((e, i) => ({ data: { id: "e" + i, source: e.source, target: e.target, weight: e.weight,
        width: 1 + 7 * e.weight / maxWeight } })),
    ];
    const large = data.nodes.length > 400;
    if (cy) cy.destroy();
    // A network laid out by the server is styled once, for the zoom that fitting it will give (estimated from
    // the positions), not styled for zoom 1 and then again: on a phone each styling of thousands of elements
    // took a second or more.
    const preset = data.nodes.length > 150, box = document.getElementById("cy").getBoundingClientRect();
    let guess = 1;
    if (preset && data.nodes.length > 1) {
      const xs = data.nodes.map((n) => n.x), ys = data.nodes.map((n) => n.y), pad = 60 + 60;
      const span = (values) => Math.max(1, Math.max(...values) - Math.min(...values));
      guess = Math.min((box.width - pad) / span(xs), (box.height - pad) / span(ys));
      if (!(guess > 0 && Number.isFinite(guess))) guess = 1;
    }
    styledZoom = 0;
    cy = cytoscape({
      container: document.getElementById("cy"), elements,
      textureOnViewport: large, hideEdgesOnViewport: large, pixelRatio: large ? 1 : "auto",
      style: styles(guess),
      // Small networks are laid out here (cose reads well); large ones arrive laid out by the server.
      layout: preset ? { name: "preset", fit: true, padding: 30 }
        : { name: "cose", animate: false, randomize: false, numIter: 1000, nodeRepulsion: 9000, idealEdgeLength: 80 },
    });
    if (preset && Math.abs(cy.zoom() / guess - 1) < 0.2) styledZoom = cy.zoom();  // near enough: no second styling
    performance.mark("coopkg:built");
    cy.on("viewport", placeLabelsSoon);
    // The nodes and links first, then the labels: measuring and placing them took a slow phone a second more.
    cy.one("render", () => {
      if (!window.networkView.paintedAt) {  // the data is drawn: what bench/views.py times
        window.networkView.paintedAt = performance.now();
        performance.mark("coopkg:drawn");
      }
      window.networkView.draws += 1;
      setTimeout(() => { placeLabels(); performance.mark("coopkg:labels"); }, 0);
    });
    cy.on("tap", "node", (event) => select(event.target.id()));
    cy.on("tap", (event) => { if (event.target === cy) select(""); });
    const list = document.getElementById("node-list");
    list.length = 1;
    const names = document.getElementById("node-names");
    names.replaceChildren();
    for (const n of [...data.nodes].sort((a, b) => a.label.localeCompare(b.label))) {
      list.add(new Option(n.label, n.id));
      names.append(new Option(n.label));
    }
    document.getElementById("counts").textContent = say("counts", { nodes: data.drawn.of_nodes ?? data.nodes.length, links: data.drawn.of });
    legend();
    highlight();
    if (selected && cy.getElementById(selected).length) select(selected); else selected = "";
  }
  function legend() {
    const key = field("colour").value;
    const values = [...new Set(data.nodes.map((n) => String(n[key] ?? "")))].sort().slice(0, 14);
    const box = document.getElementById("legend");
    box.replaceChildren();
    const title = document.createElement("h3");
    title.textContent = say("legend");
    const list = document.createElement("ul");
    for (const value of values) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch"; swatch.style.background = palette(value);
      const name = key === "country" ? (value ? `${countryName(value)} (${value})` : "") : key === "community" && value !== "" ? say("groupOf", { num: Number(value) + 1 }) : plain(value);
      item.append(swatch, document.createTextNode(name || say("unknown")));
      list.append(item);
    }
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = say("legendNote", { colour: field("colour").selectedOptions[0].text, size: field("size").selectedOptions[0].text });
    box.append(title, list, note);
  }
  function highlight() {
    if (!cy) return;
    const text = field("find").value.trim().toLowerCase();
    cy.nodes().removeClass("found faded");
    if (!text) { placeLabelsSoon(); return; }
    const found = cy.nodes().filter((n) => n.data("label").toLowerCase().includes(text));
    found.addClass("found");
    cy.nodes().not(found).addClass("faded");
    if (found.length) cy.animate({ fit: { eles: found, padding: 80 }, duration: 300 });
    placeLabelsSoon();
  }
  function row(label, value) {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = label; dd.textContent = value;
    return [dt, dd];
  }
  function select(id) {
    selected = id;
    if (cy) placeLabelsSoon();
    document.getElementById("node-list").value = id;
    writeUrl();
    const panel = document.getElementById("panel");
    panel.replaceChildren();
    if (!id) { const p = document.createElement("p"); p.className = "muted"; p.textContent = say("pick"); panel.append(p); return; }
    const node = cy.getElementById(id);
    cy.elements().unselect(); node.select();
    const n = node.data();
    const title = document.createElement("h3");
    title.textContent = n.label;
    const facts = document.createElement("dl");
    facts.className = "facts";
    const fmt = (x) => typeof x === "number" ? (Number.isInteger(x) ? x.toLocaleString(lang) : x.toLocaleString(lang, { maximumFractionDigits: 3 })) : (x || "");
    const shown = (value) => value !== undefined && value !== null && value !== "";
    // In plain words first: where it is, what it is, how many it works with, whether it links groups.
    const most = Math.max(1e-9, ...data.nodes.map((x) => x.betweenness || 0));
    const bridge = !n.betweenness ? say("bridgesNone") : n.betweenness >= 0.5 * most ? say("bridgesHigh") : say("bridgesSome");
    for (const [label, value] of [[say("country"), countryName(n.country)], [say("city"), n.city], [say("type"), plain(n.type)],
        [say("organisations"), n.organisations],
        [say("partners"), shown(n.degree) ? `${fmt(n.degree)} (${say("partnersNote")})` : ""],
        [say("links"), shown(n.weighted_degree) ? `${fmt(n.weighted_degree)} (${say("linksNote")})` : ""],
        [say("bridges"), shown(n.betweenness) ? bridge : ""],
        [say("group"), shown(n.community) ? say("groupOf", { num: Number(n.community) + 1 }) : ""]])
      if (shown(value)) facts.append(...row(label, fmt(value)));
    // The measures behind them, for analysts, folded.
    const more = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = say("measures");
    const measures = document.createElement("dl");
    measures.className = "facts";
    for (const [label, value] of [[say("degree"), n.degree], [say("weightedDegree"), n.weighted_degree],
        [say("betweenness"), n.betweenness], [say("closeness"), n.closeness], [say("pagerank"), n.pagerank],
        [say("community"), n.community]])
      if (shown(value)) measures.append(...row(label, fmt(value)));
    more.append(summary, measures);
    panel.append(title, facts, more);
    if (n.page) {
      const link = document.createElement("a");
      link.href = n.page; link.textContent = say("open");
      panel.append(link);
    }
    if (data.kind === "country" || data.kind === "city") {
      const drill = document.createElement("button");
      drill.type = "button"; drill.textContent = say("drill", { name: n.label });
      drill.addEventListener("click", () => {
        field("kind").value = "org";
        if (data.kind === "country") { field("country").value = n.id; field("city").value = ""; }
        else { field("city").value = n.id; if (n.country) field("country").value = n.country; }
        selected = ""; load();
      });
      panel.append(document.createElement("br"), drill);
    }
    if (data.kind === "org" && !field("radius").value) {
      const ego = document.createElement("button");
      ego.type = "button"; ego.textContent = say("ego");
      ego.addEventListener("click", () => { field("radius").value = "2"; load(); });
      panel.append(document.createElement("br"), ego);
    }
  }
  function svg() {
    const box = cy.elements().boundingBox();
    const pad = 20, esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" font-family="sans-serif">`,
      `<rect x="${box.x1 - pad}" y="${box.y1 - pad}" width="${box.w + 2 * pad}" height="${box.h + 2 * pad}" fill="#fff"/>`];
    cy.edges().forEach((e) => { const s = e.source().position(), t = e.target().position();
      parts.push(`<line x1="${s.x}" y1="${s.y}" x2="${t.x}" y2="${t.y}" stroke="#9aa8c7" stroke-opacity="0.7" stroke-width="${e.data("width")}"/>`); });
    cy.nodes().forEach((n) => { const p = n.position();
      parts.push(`<circle cx="${p.x}" cy="${p.y}" r="${n.data("size") / 2}" fill="${n.data("colour")}" stroke="#333"/>`);
      parts.push(`<text x="${p.x}" y="${p.y - n.data("size") / 2 - 3}" font-size="10" text-anchor="middle">${esc(n.data("label"))}</text>`); });
    parts.push("</svg>");
    return parts.join("\n");
  }
  document.getElementById("png").addEventListener("click", () => coopkgViews.download("network.png", cy.png({ full: true, bg: "#fff", scale: 2 })));
  document.getElementById("svg").addEventListener("click", () =>
    coopkgViews.download("network.svg", URL.createObjectURL(new Blob([svg()], { type: "image/svg+xml" }))));
  form.addEventListener("change", (event) => {
    const name = event.target.name;
    if (name === "node") { select(event.target.value); return; }
    if (name === "find") { highlight(); writeUrl(); return; }
    if (name === "size" || name === "colour") { draw(); writeUrl(); return; }
    if (filterNames.includes(name)) selected = "";
    if (name === "country" || name === "kind") field("city").value = "";
    load();
  });
  field("find").addEventListener("input", () => { highlight(); writeUrl(); });
  window.networkView = { get cy() { return cy; }, get data() { return data; }, paintedAt: 0, draws: 0, labelsPlaced: 0,
    // the boxes of the labels shown (model coordinates), for tests and exports
    labelBoxes: () => cy.nodes().filter((n) => n.hasClass("labelled") && n.data("label"))
      .map((n) => ({ id: n.id(), ...n.boundingBox({ includeLabels: true, includeNodes: false, includeOverlays: false }) })) };
  // The chosen filters go into the request straight from the URL, so the network does not wait for the lists.
  coopkgViews.seedFilters(form, ["programme", "source", "project", "theme", "country", "year"]);
  readUrl();
  load();
  coopkgViews.fillFilters(form, optionsUrl);
})();
