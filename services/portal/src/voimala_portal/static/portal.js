// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // An error summary takes focus so that a screen reader reads it first.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }
  // Buttons that change something ask again where the page says so.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
