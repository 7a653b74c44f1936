// Makes api/static/world-atlas/europe-50m.json, the outline /map draws: Natural Earth's 1:50m countries from
// world-atlas 2.0.2, cut to Europe and its neighbours (every part of a country that reaches the window
// 32°W-62°E, 25°N-84°N; French Guiana, Réunion and other far parts are left out, so a country's middle is in
// Europe), lightly simplified and quantised. Run once with topojson's own tools (see api/static/README.md):
//   npm install --prefix /tmp/atlas topojson-server@3 topojson-client@3 topojson-simplify@3 world-atlas@2.0.2
//   NODE_PATH=/tmp/atlas/node_modules node bench/europe_outline.mjs
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(join(process.env.NODE_PATH || "/tmp/atlas/node_modules", "x.js"));
const { feature, quantize } = require("topojson-client");
const { topology } = require("topojson-server");
const { presimplify, simplify, quantile } = require("topojson-simplify");

const here = dirname(fileURLToPath(import.meta.url));
const world = JSON.parse(readFileSync(require.resolve("world-atlas/countries-50m.json"), "utf8"));
const [west, south, east, north] = [-32, 25, 62, 84];
const reaches = (ring) => ring.some(([x, y]) => x >= west && x <= east && y >= south && y <= north);

const kept = [];
for (const f of feature(world, world.objects.countries).features) {
  const polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.type === "MultiPolygon" ? f.geometry.coordinates : [];
  const near = polygons.filter((polygon) => reaches(polygon[0]));
  if (!near.length) continue;
  kept.push({ type: "Feature", id: f.id, properties: { name: f.properties.name },
    geometry: near.length === 1 ? { type: "Polygon", coordinates: near[0] } : { type: "MultiPolygon", coordinates: near } });
}
let topo = topology({ countries: { type: "FeatureCollection", features: kept } }, 1e5);
topo = presimplify(topo);
topo = simplify(topo, quantile(topo, Number(process.env.KEEP || 0.5)));
topo = quantize(topo, 1e5);
const target = join(here, "..", "api", "static", "world-atlas", "europe-50m.json");
writeFileSync(target, JSON.stringify(topo));
console.log(`${kept.length} countries, ${JSON.stringify(topo).length} bytes -> ${target}`);
