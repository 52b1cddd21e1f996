// The print button of the GP summary (no inline handler: the Content-Security-Policy allows
// scripts from the app's own files only).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
