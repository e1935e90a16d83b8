/* 举报 in a dialog: a link marked data-report leads to the report page (which works
 * without JavaScript); here it opens that page's form in a <dialog> instead and posts it
 * with fetch(), which answers JSON: {"message"} once received, {"code", "message"} on a
 * refusal (reported already, cannot see it, too many reports). */
(function () {
  "use strict";

  var script = document.currentScript;
  var closeLabel = (script && script.dataset.close) || "关闭";
  var dialog = null;

  function getDialog() {
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.className = "report-dialog card";
    dialog.setAttribute("aria-modal", "true");
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) { dialog.close(); }  // a click on the backdrop
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function say(box, text, isError) {
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
    box.hidden = false;
    if (!isError) { box.className = "notice"; box.setAttribute("role", "status"); }
  }

  function received(box, message) {
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "notice";
    p.setAttribute("role", "status");
    p.setAttribute("data-testid", "report-received");
    p.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button";
    close.textContent = closeLabel;
    close.addEventListener("click", function () { dialog.close(); });
    var row = document.createElement("div");
    row.className = "form-row-end";
    row.appendChild(close);
    box.appendChild(p);
    box.appendChild(row);
    close.focus();
  }

  function wire(box) {
    var form = box.querySelector("form[data-report-form]");
    var cancel = box.querySelector("[data-report-cancel]");
    if (cancel) {
      cancel.addEventListener("click", function (event) { event.preventDefault(); dialog.close(); });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.reported) { received(box, data.message); return; }
          say(form.querySelector("[data-report-error]"), data.message || "", true);
          button.disabled = false;
        })
        .catch(function () { form.submit(); });  // the page answers a plain post too
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-report]");
    if (!link || typeof HTMLDialogElement === "undefined") { return; }
    event.preventDefault();
    var menu = link.closest("details");
    if (menu) { menu.open = false; }
    fetch(link.href, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var card = page.querySelector(".report-card");
        if (!card) { throw new Error("no form"); }
        var box = getDialog();
        box.textContent = "";
        box.appendChild(document.importNode(card, true));
        box.firstChild.classList.remove("card");
        wire(box);
        box.showModal();
        var first = box.querySelector("input[name=reason]");
        if (first) { first.focus(); }
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
