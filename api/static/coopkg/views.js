// What the network and map pages share: filters that start from the URL and fill in as their lists
// arrive, and downloads of the exported view.
window.coopkgViews = {
  // The page's words in the reader's language (from the template's catalogue), `say(key, {name: value})`
  // filling in %(name)s; and a country's name in that language from its ISO code (the browser's Intl).
  words(text = {}) {
    const say = (key, values = {}) => (text[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
    const lang = document.documentElement.lang || "en";
    let regionNames = null;
    try { regionNames = new Intl.DisplayNames([lang, "en"], { type: "region" }); } catch (e) { regionNames = null; }
    const countryName = (code) => {
      if (!code || !/^[A-Za-z]{2}$/.test(code)) return code || "";
      try { return (regionNames && regionNames.of(code.toUpperCase())) || code; } catch (e) { return code; }
    };
    return { say, lang, countryName };
  },
  // On a small screen (the page's breakpoint) the server is asked for the strongest links only (`page.phoneLinks`).
  small(page) { return window.matchMedia(page.smallScreen).matches; },
  askFewer(params, page) { if (this.small(page)) params.set("strongest", page.phoneLinks); return params; },
  // What a view says about the data it drew, in the reader's language: how a network too large to draw was grouped
  // (`grouped`: a code of the page's notes and its numbers) and how many of its links are drawn (`drawn`).
  note(data, notes, small) {
    const { say, lang } = this.words(notes);
    const number = (value) => Number(value).toLocaleString(lang);
    const parts = [];
    if (data.grouped) {
      const { code, ...values } = data.grouped;
      parts.push(say(code, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, number(v)]))));
    }
    const { links, of, nodes, of_nodes: total } = data.drawn;
    if (nodes !== undefined) {
      parts.push(say("phoneNetwork", { shown: number(links), all: number(of), nodes: number(nodes), total: number(total) }));
    } else if (links < of) {
      parts.push(say(small ? "phoneLinks" : "strongestLinks", { shown: number(links), all: number(of) }));
    }
    return parts.join(" ");
  },
  // Put the URL's chosen filter values into their selects at once, so the view need not wait for the lists.
  seedFilters(form, names) {
    const params = new URLSearchParams(location.search);
    for (const name of names) {
      const value = params.get(name);
      if (value && form.elements[name]) form.elements[name].add(new Option(value, value));
    }
  },
  // Fill the programme, source, project, theme, country and year lists from /api/network/options, keeping each choice.
  fillFilters(form, optionsUrl) {
    return fetch(optionsUrl).then((r) => r.json()).then((options) => {
      for (const [name, items] of [["programme", options.programmes], ["source", options.sources],
          ["project", options.projects], ["theme", options.themes], ["country", options.countries],
          ["year", options.years]]) {
        const select = form.elements[name];
        if (!select || !items) continue;
        const keep = select.value;
        select.length = 1;
        for (const item of items) select.add(new Option(item.label, item.value));
        if (keep && !items.some((item) => item.value === keep)) select.add(new Option(keep, keep));
        select.value = keep;
      }
    });
  },
  // The "Embed this view" snippet: an iframe of the embeddable page (data-src) with the view's filters.
  embedCode(params) {
    const box = document.getElementById("embed-code");
    if (!box) return;
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const query = params.toString();
    const src = location.origin + box.dataset.src + (query ? "?" + query : "");
    box.value = `<iframe src="${esc(src)}" title="${esc(box.dataset.title)}" width="100%" height="600" ` +
      `style="border:0" loading="lazy"></iframe>`;
  },
  download(name, url) {
    const a = document.createElement("a");
    a.href = url; a.download = name; document.body.append(a); a.click(); a.remove();
  },
};
