// Renders the server's OpenAPI document with Swagger UI. Paths are
// relative to the page (/docs), so the page also works behind a proxy
// that serves the API under a prefix. validatorUrl null: no badge, which
// would fetch validator.swagger.io.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    supportedSubmitMethods: ["get", "post"],
  });
});
