// custos web UI: small progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("htmx:beforeRequest", function (e) {
  var t = e.detail && e.detail.target;
  if (t) { t.setAttribute("aria-busy", "true"); }
});
document.addEventListener("htmx:afterSettle", function (e) {
  var t = e.detail && e.detail.target;
  if (t) { t.removeAttribute("aria-busy"); }
});
document.addEventListener("htmx:responseError", function (e) {
  var t = e.detail && e.detail.target;
  if (t) { t.removeAttribute("aria-busy"); }
});
