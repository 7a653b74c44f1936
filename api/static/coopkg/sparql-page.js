// The /sparql page: YASGUI on this endpoint, the saved queries one click away, ?query= reopened and run.
// What it needs comes from the page's JSON data block (no inline script: the pages send a strict CSP).
(() => {
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const saved = page.saved;
  const shared = page.shared;
  const endpoint = new URL(page.endpoint, window.location.href).href;
  Yasgui.Yasqe.defaults.prefixCcApi = new URL(page.prefixes, window.location.href).href;
  Yasgui.Yasqe.defaults.value = page.starter; // a new tab opens on a coop: query that runs as it is
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    persistenceId: "coopkg",
  });
  function load(text, run) {
    const tab = yasgui.getTab();
    tab.setQuery(text);
    if (run) tab.query();
  }
  document.querySelectorAll("#examples button").forEach((b) =>
    b.addEventListener("click", () => load(saved[b.dataset.name], true)));
  if (shared) load(shared, true);
})();
