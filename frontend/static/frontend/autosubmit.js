/* A <select data-autosubmit> sends its form as soon as another option is chosen
   (the leaderboards' scope and subject). Without JavaScript the <noscript> button does. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
