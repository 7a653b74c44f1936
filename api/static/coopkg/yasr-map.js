// A YASR result view that places a SELECT result's coordinates on the offline map of Europe.
// Coordinates: WGS84 latitude and longitude variables (lat/latitude, long/lon/longitude), or GeoSPARQL
// WKT points ("POINT(long lat)"). Outlines: Natural Earth via world-atlas, drawn with d3-geo; no tiles.
(function () {
  const WKT = /^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?[\d.]+(?:e-?\d+)?)\s+(-?[\d.]+(?:e-?\d+)?)\s*\)\s*$/i;
  const LAT = ["lat", "latitude"], LONG = ["long", "lon", "lng", "longitude"];

  function findVariable(variables, names) {
    return variables.find((v) => names.includes(v.toLowerCase()));
  }

  // [{lat, long, label}] from the result's bindings, or [] when it holds no coordinates.
  function points(yasr) {
    const results = yasr.results;
    if (!results || !results.getVariables || !results.getBindings) return [];
    const variables = results.getVariables() || [];
    const bindings = results.getBindings() || [];
    const lat = findVariable(variables, LAT), long = findVariable(variables, LONG);
    const wkt = variables.find((v) => bindings.some((b) => b[v] && WKT.test(b[v].value)));
    const label = variables.find((v) => v !== lat && v !== long && v !== wkt &&
      bindings.some((b) => b[v] && b[v].type !== "uri")) || variables.find((v) => v !== lat && v !== long && v !== wkt);
    const found = [];
    for (const b of bindings) {
      let y = NaN, x = NaN;
      if (lat && long && b[lat] && b[long]) { y = parseFloat(b[lat].value); x = parseFloat(b[long].value); }
      else if (wkt && b[wkt]) { const m = WKT.exec(b[wkt].value); if (m) { x = parseFloat(m[1]); y = parseFloat(m[2]); } }
      if (Number.isFinite(x) && Number.isFinite(y) && Math.abs(y) <= 90 && Math.abs(x) <= 180)
        found.push({ lat: y, long: x, label: label && b[label] ? b[label].value : "" });
    }
    return found;
  }

  class MapPlugin {
    constructor(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Map"; }
    canHandleResults() { return points(this.yasr).length > 0; }
    getIcon() {
      const icon = document.createElement("span");
      icon.textContent = "🗺";
      return icon;
    }
    async draw() {
      const found = points(this.yasr);
      const el = document.createElement("div");
      el.className = "coopkg-map";
      this.yasr.resultsEl.replaceChildren(el);
      const width = Math.max(300, this.yasr.resultsEl.clientWidth || 800), height = 480;
      const world = await MapPlugin.atlas();
      const svg = d3.select(el).append("svg").attr("viewBox", `0 0 ${width} ${height}`).attr("width", "100%")
        .attr("role", "img").attr("aria-label", `${found.length} results on a map`).style("background", "#eef3fa");
      const projection = d3.geoAzimuthalEqualArea().rotate([-12, -52]);
      const extent = found.length > 1 ? { type: "MultiPoint", coordinates: found.map((p) => [p.long, p.lat]) }
        : { type: "MultiPoint", coordinates: [[-11, 35], [32, 66]] };
      projection.fitExtent([[30, 30], [width - 30, height - 30]], extent);
      const path = d3.geoPath(projection);
      const layer = svg.append("g");
      svg.call(d3.zoom().scaleExtent([1, 12]).on("zoom", (event) => layer.attr("transform", event.transform)));
      layer.append("g").selectAll("path").data(topojson.feature(world, world.objects.countries).features).join("path")
        .attr("d", path).attr("fill", "#fdfcf7").attr("stroke", "#9aa3b5").attr("stroke-width", 0.5);
      const marks = layer.append("g").selectAll("circle").data(found).join("circle")
        .attr("class", "coopkg-point").attr("r", 5).attr("fill", "#003399").attr("fill-opacity", 0.75).attr("stroke", "#fff")
        .attr("cx", (p) => projection([p.long, p.lat])[0]).attr("cy", (p) => projection([p.long, p.lat])[1]);
      marks.append("title").text((p) => p.label || `${p.lat}, ${p.long}`);
      if (found.length <= 60) layer.append("g").selectAll("text").data(found.filter((p) => p.label)).join("text")
        .attr("x", (p) => projection([p.long, p.lat])[0] + 7).attr("y", (p) => projection([p.long, p.lat])[1] + 4)
        .attr("font-size", 11).attr("font-family", "sans-serif").text((p) => p.label);
    }
    static atlas() {
      if (!MapPlugin.loading) MapPlugin.loading = fetch(JSON.parse(document.getElementById("page-data").textContent).atlas).then((r) => r.json());
      return MapPlugin.loading;
    }
  }

  Yasgui.Yasr.registerPlugin("map", MapPlugin);
})();
