// The /api/docs page: Swagger UI over the saved queries' OpenAPI document (its address from the page's
// JSON data block: no inline script, as the pages send a strict CSP).
(() => {
  const page = JSON.parse(document.getElementById("page-data").textContent);

  // What Swagger UI gets wrong for assistive technology (axe-core, WCAG 2.1 AA), set right from outside, as its
  // built files stay as npm ships them (tests/test_a11y.py checks the page; the colours are in openapi-page.css).
  // An operation's path is drawn as a link ("deep link") inside the button that opens the operation, and a
  // link in a button is out of reach of a screen reader and a second tab stop (nested-interactive): drawn as
  // plain text. The address still follows the open operation (deepLinking below), so it can be shared.
  const PlainPaths = (system) => ({
    components: {
      DeepLink: ({ text }) => system.React.createElement("span", null, text),
    },
  });

  SwaggerUIBundle({
    url: page.openapi,
    dom_id: "#swagger",
    deepLinking: true,
    plugins: [PlainPaths],
  });

  // Fields with no name: the servers' list (its <label> wraps it but says nothing) and a parameter's list of
  // allowed values (named by the parameter's name beside it). Code (an example, a response, the curl line),
  // in a box that scrolls, is a tab stop, so that the keyboard can scroll it (scrollable-region-focusable).
  // Drawn late, and again as operations open, so done as they appear.
  const root = document.getElementById("swagger");
  let ids = 0;
  const fix = () => {
    root.querySelectorAll("select#servers:not([aria-label])").forEach((e) =>
      e.setAttribute("aria-label", page.labels.servers));
    root.querySelectorAll(".parameters-col_description select:not([aria-labelledby]):not([aria-label])").forEach((e) => {
      const label = e.closest("tr") && e.closest("tr").querySelector(".parameter__name");
      if (!label) return;
      if (!label.id) label.id = `coopkg-parameter-${++ids}`;
      e.setAttribute("aria-labelledby", label.id);
    });
    root.querySelectorAll("pre.microlight:not([tabindex])").forEach((e) => { e.tabIndex = 0; });
  };
  new MutationObserver(fix).observe(root, { childList: true, subtree: true });
})();
