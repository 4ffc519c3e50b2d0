// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // An error summary takes focus so that a screen reader reads it first.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }
  // A page that can be printed offers a button for it (without script: the browser's menu).
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // Buttons that change something ask again where the page says so.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
