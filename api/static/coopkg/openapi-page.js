// The /api/docs page: Swagger UI over the saved queries' OpenAPI document (its address from the page's
// JSON data block: no inline script, as the pages send a strict CSP).
SwaggerUIBundle({
  url: JSON.parse(document.getElementById("page-data").textContent).openapi,
  dom_id: "#swagger",
  deepLinking: true,
});
