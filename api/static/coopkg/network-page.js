// The /network page: draws the collaboration network (Cytoscape.js) from /api/network for the filters.
// Its addresses come from the page's JSON data block (no inline script: the pages send a strict CSP).
(() => {
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const api = page.api;
  const optionsUrl = page.optionsUrl;
  const form = document.getElementById("controls");
  const field = (name) => form.elements[name];
  const filterNames = ["kind", "project", "theme", "country", "city", "year"];
  const stateNames = [...filterNames, "size", "colour", "find", "node", "radius"];
  const palette = d3.scaleOrdinal([...d3.schemeTableau10, ...d3.schemeSet3]);
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
  }
  function query() {
    const params = new URLSearchParams();
    for (const name of filterNames) if (field(name).value) params.set(name, field(name).value);
    if (field("radius").value && selected) { params.set("ego", selected); params.set("radius", field("radius").value); }
    return params;
  }
  function colourOf(node) { return palette(String(node[field("colour").value] ?? "")); }
  function sizes(nodes) {
    const key = field("size").value;
    const max = Math.max(1e-9, ...nodes.map((n) => n[key] || 0));
    return (n) => 14 + 46 * Math.sqrt((n[key] || 0) / max);
  }
  async function load() {
    writeUrl();
    const response = await fetch(api + "?" + query().toString());
    if (!response.ok) { document.getElementById("message").textContent = await response.text(); return; }
    data = await response.json();
    document.getElementById("message").textContent = data.message;
    draw();
  }
  function draw() {
    const size = sizes(data.nodes);
    const maxWeight = Math.max(1, ...data.edges.map((e) => e.weight));
    const elements = [
      ...data.nodes.map((n) => ({ data: { ...n, id: n.id, size: size(n), colour: colourOf(n) }, position: { x: n.x, y: n.y } })),
      ...data.edges.map((e, i) => ({ data: { id: "e" + i, source: e.source, target: e.target, weight: e.weight,
        width: 1 + 7 * e.weight / maxWeight } })),
    ];
    const large = data.nodes.length > 400;
    if (cy) cy.destroy();
    cy = cytoscape({
      container: document.getElementById("cy"), elements,
      textureOnViewport: large, hideEdgesOnViewport: large, pixelRatio: large ? 1 : "auto",
      style: [
        { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)",
          label: "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 120,
          "min-zoomed-font-size": 8, "border-width": 1, "border-color": "#333" } },
        { selector: "edge", style: { width: "data(width)", "line-color": "#9aa8c7", opacity: 0.7,
          "curve-style": data.directed ? "bezier" : "haystack",
          "target-arrow-shape": data.directed ? "triangle" : "none", "target-arrow-color": "#9aa8c7" } },
        { selector: ".found", style: { "border-width": 5, "border-color": "#ffcc00" } },
        { selector: "node:selected", style: { "border-width": 5, "border-color": "#d7191c" } },
        { selector: ".faded", style: { opacity: 0.15 } },
      ],
      // Small networks are laid out here (cose reads well); large ones arrive laid out by the server.
      layout: data.nodes.length > 150 ? { name: "preset", fit: true, padding: 30 }
        : { name: "cose", animate: false, randomize: false, numIter: 1000, nodeRepulsion: 9000, idealEdgeLength: 80 },
    });
    cy.one("render", () => {
      if (!window.networkView.paintedAt) window.networkView.paintedAt = performance.now();
      window.networkView.draws += 1;
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
    document.getElementById("counts").textContent =
      `${data.nodes.length} ${data.kind === "org" ? "organisations" : data.kind === "country" ? "countries" :
        data.kind === "city" ? "cities" : "places"}, ${data.edges.length} links`;
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
    title.textContent = "Legend";
    const list = document.createElement("ul");
    for (const value of values) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch"; swatch.style.background = palette(value);
      item.append(swatch, document.createTextNode(value || "(unknown)"));
      list.append(item);
    }
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = `Colour: ${field("colour").selectedOptions[0].text}. Size: ${field("size").selectedOptions[0].text}. ` +
      "Line width: how many projects, events and transfers two nodes share.";
    box.append(title, list, note);
  }
  function highlight() {
    if (!cy) return;
    const text = field("find").value.trim().toLowerCase();
    cy.nodes().removeClass("found faded");
    if (!text) return;
    const found = cy.nodes().filter((n) => n.data("label").toLowerCase().includes(text));
    found.addClass("found");
    cy.nodes().not(found).addClass("faded");
    if (found.length) cy.animate({ fit: { eles: found, padding: 80 }, duration: 300 });
  }
  function row(label, value) {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = label; dd.textContent = value;
    return [dt, dd];
  }
  function select(id) {
    selected = id;
    document.getElementById("node-list").value = id;
    writeUrl();
    const panel = document.getElementById("panel");
    panel.replaceChildren();
    if (!id) { panel.innerHTML = '<p class="muted">Click a node (or choose one in Select) to see its facts.</p>'; return; }
    const node = cy.getElementById(id);
    cy.elements().unselect(); node.select();
    const n = node.data();
    const title = document.createElement("h3");
    title.textContent = n.label;
    const facts = document.createElement("dl");
    facts.className = "facts";
    const fmt = (x) => typeof x === "number" ? (Number.isInteger(x) ? String(x) : x.toFixed(3)) : (x || "");
    for (const [label, value] of [["Country", n.country], ["City", n.city], ["Type", n.type],
        ["Organisations", n.organisations], ["Partners (degree)", n.degree], ["Links (weighted degree)", n.weighted_degree],
        ["Betweenness", n.betweenness], ["PageRank", n.pagerank], ["Community", n.community]])
      if (value !== undefined && value !== null && value !== "") facts.append(...row(label, fmt(value)));
    panel.append(title, facts);
    if (n.page) {
      const link = document.createElement("a");
      link.href = n.page; link.textContent = "Open its page";
      panel.append(link);
    }
    if (data.kind === "country" || data.kind === "city") {
      const drill = document.createElement("button");
      drill.type = "button"; drill.textContent = `Show the organisations of ${n.label}`;
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
      ego.type = "button"; ego.textContent = "Its partners within 2 hops";
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
  window.networkView = { get cy() { return cy; }, get data() { return data; }, paintedAt: 0, draws: 0 };
  // The chosen filters go into the request straight from the URL, so the network does not wait for the lists.
  coopkgViews.seedFilters(form, ["project", "theme", "country", "year"]);
  readUrl();
  load();
  coopkgViews.fillFilters(form, optionsUrl);
})();
