/* The developer console: show the settings of the chosen kind of app, and confirm
 * dangerous buttons. Without JavaScript every section shows and the server picks. */
(function () {
  "use strict";
  var form = document.querySelector("[data-app-form]");
  if (form) {
    var sections = form.querySelectorAll("[data-kind-section]");
    var sync = function () {
      var chosen = form.querySelector("input[name=kind]:checked");
      var kind = chosen ? chosen.value : "user";
      sections.forEach(function (section) {
        section.hidden = section.getAttribute("data-kind-section") !== kind;
      });
    };
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") sync();
    });
    sync();
  }
  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (target.dataset && target.dataset.confirm && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = !navigator.clipboard;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        var label = button.textContent;
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () { button.textContent = label; }, 1600);
      });
    });
  });
})();
