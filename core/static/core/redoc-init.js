// Starts Redoc on /api/redoc/ (core/templates/core/redoc.html) with the settings and schema URL
// the page carries as data attributes: no inline script.
(function () {
  const el = document.getElementById("redoc-container");
  Redoc.init(el.dataset.schemaUrl, JSON.parse(el.dataset.settings), el);
})();
