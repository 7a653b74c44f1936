// The /sparql page: YASGUI on this endpoint, the saved queries one click away, ?query= reopened and run.
// What it needs comes from the page's JSON data block (no inline script: the pages send a strict CSP).
(() => {
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const saved = page.saved;
  const shared = page.shared;
  const endpoint = new URL(page.endpoint, window.location.href).href;
  Yasgui.Yasqe.defaults.prefixCcApi = new URL(page.prefixes, window.location.href).href;
  Yasgui.Yasqe.defaults.value = page.starter; // a new tab opens on a coop: query that runs as it is
  // The editor's text is typed into the element that shows it (contenteditable) rather than into a hidden text
  // area beside it: CodeMirror's input model for screen readers, and the scrolling text is then a region the
  // keyboard reaches (axe's scrollable-region-focusable); its name (aria-label) below.
  Yasgui.Yasqe.defaults.inputStyle = "contenteditable";
  Yasgui.Yasqe.defaults.screenReaderLabel = page.labels.editor;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    persistenceId: "coopkg",
  });
  accessible(yasgui, page.labels);
  function load(text, run) {
    const tab = yasgui.getTab();
    tab.setQuery(text);
    if (run) tab.query();
  }
  document.querySelectorAll("#examples button").forEach((b) =>
    b.addEventListener("click", () => load(saved[b.dataset.name], true)));
  if (shared) load(shared, true);

  // What YASGUI gets wrong for assistive technology (axe-core, WCAG 2.1 AA), set right from outside, as its
  // built files stay as npm ships them (tests/test_a11y.py checks the page).
  function accessible(yasgui, labels) {
    // The "+" (new tab) button sits inside the role=tablist strip, where only tabs may be
    // (aria-required-children): moved just after the strip, in a row with it; new tabs are then appended to
    // the strip's end, as before (YASGUI inserts them before `addTabEl`, or at the end when it is null).
    const tabs = yasgui.tabElements;
    const strip = tabs && tabs._tabsListEl;
    if (strip && tabs.addTabEl) {
      const row = document.createElement("div");
      row.className = "coopkg-tabstrip";
      strip.replaceWith(row);
      row.append(strip, tabs.addTabEl);
      tabs.addTabEl = null;
    }
    // Fields with no name (label): the endpoint's address in each tab's control bar; the editor's own text
    // area, should a tab's editor be made without the default above; in the tab's settings menu the selects
    // and text fields, whose <label>s are beside them but not tied to them; the results' page size. Tied to
    // the visible labels where there are some, so that the names read as the page does. A tab drawn later, or
    // a menu opened later, gets them too.
    let ids = 0;
    const labelledBy = (control, ...labels) => {
      const found = labels.filter(Boolean);
      if (!found.length) return;
      for (const label of found) if (!label.id) label.id = `coopkg-yasgui-label-${++ids}`;
      control.setAttribute("aria-labelledby", found.map((label) => label.id).join(" "));
    };
    const name = () => {
      const root = yasgui.rootEl;
      root.querySelectorAll("input.autocomplete:not([aria-label])").forEach((e) =>
        e.setAttribute("aria-label", labels.endpoint));
      root.querySelectorAll(".CodeMirror textarea:not([aria-label])").forEach((e) =>
        e.setAttribute("aria-label", labels.editor));
      // the editable text says what it is: a text box of several lines (CodeMirror marks it "presentation")
      root.querySelectorAll(".CodeMirror-code[contenteditable]:not([role=textbox])").forEach((e) => {
        e.setAttribute("role", "textbox");
        e.setAttribute("aria-multiline", "true");
        if (!e.hasAttribute("aria-label")) e.setAttribute("aria-label", labels.editor);
      });
      root.querySelectorAll(".requestConfigWrapper .selector > select:not([aria-labelledby])").forEach((e) =>
        labelledBy(e, e.closest(".requestConfigWrapper").querySelector(":scope > .label"),
          e.parentElement.querySelector(".selectorLabel")));
      root.querySelectorAll(".requestConfigWrapper.textSetting input:not([aria-label])").forEach((e) => {
        const group = e.closest(".requestConfigWrapper").querySelector(":scope > .label");
        const pair = e.parentElement.classList.contains("textRow");
        const part = !pair ? "" : e === e.parentElement.firstElementChild ? labels.name : labels.value;
        const text = group ? group.textContent.trim() : "";
        e.setAttribute("aria-label", part ? `${text}: ${part}` : text);
      });
      root.querySelectorAll("select.tableSizer:not([aria-labelledby])").forEach((e) =>
        labelledBy(e, e.parentElement.querySelector(".pageSizerLabel")));
    };
    // A result view that cannot show the results (the map, with no coordinates in them) is greyed out by a class
    // alone: said to assistive technology too (aria-disabled), which also exempts its grey from the contrast
    // rule, as WCAG does for an inactive control.
    const inactive = () => {
      yasgui.rootEl.querySelectorAll("button.yasr_btn").forEach((e) => {
        const off = e.classList.contains("disabled");
        if (off && e.getAttribute("aria-disabled") !== "true") e.setAttribute("aria-disabled", "true");
        if (!off && e.hasAttribute("aria-disabled")) e.removeAttribute("aria-disabled");
      });
    };
    name();
    inactive();
    new MutationObserver(name).observe(yasgui.rootEl, { childList: true, subtree: true });
    new MutationObserver(inactive).observe(yasgui.rootEl, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["class"],
    });
  }
})();
