// The API docs page: Swagger UI on the server's own OpenAPI document
// (/openapi.json), with "Try it out" sending requests to this server.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
  validatorUrl: null,
});
