/* Resource pages: "有用" on a review without a reload, the upload form's size check
 * and group picker, and confirm prompts.
 *
 * Progressive enhancement, as feeds.js: every form works without this file. The
 * helpful form is fetched with Accept: application/json and answers
 * {marked, helpful_count} or {code, message} with a 4xx status.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var text = {
    network: (script && script.dataset.networkError) || "Network error",
    tooLarge: (script && script.dataset.tooLarge) || "File too large"
  };

  function toast(message, kind) {
    var box = document.querySelector(".toast");
    if (!box) {
      box = document.createElement("div");
      box.className = "toast";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.className = "toast show " + (kind || "info");
    setTimeout(function () { box.className = "toast " + (kind || "info"); }, 4000);
  }

  function send(form) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw { message: text.network }; }
      return response.json().then(function (body) {
        if (!response.ok) { throw { code: body.code, message: body.message || text.network }; }
        return body;
      });
    }, function () { throw { message: text.network }; });
  }

  function onHelpful(form) {
    var button = form.querySelector("button");
    button.disabled = true;
    send(form).then(function (body) {
      button.classList.add("is-on");
      button.setAttribute("aria-pressed", "true");
      form.querySelectorAll("[data-helpful-count]").forEach(function (el) {
        el.textContent = body.helpful_count;
      });
    }).catch(function (error) {
      if (error.code !== "CONFLICT") { button.disabled = false; }
      toast(error.message, "error");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.classList.contains("js-helpful") && window.fetch) {
      event.preventDefault();
      onHelpful(form);
    }
  });

  // The upload form: say "too large" before sending megabytes for nothing (the server
  // refuses anyway), and show the group picker only for group visibility.
  document.querySelectorAll("[data-upload-form]").forEach(function (form) {
    var max = parseInt(form.dataset.maxBytes, 10) || 0;
    var file = form.querySelector("input[type=file]");
    if (file && max) {
      file.addEventListener("change", function () {
        var big = file.files.length && file.files[0].size > max;
        file.setCustomValidity(big ? text.tooLarge : "");
        if (big) { file.reportValidity(); toast(text.tooLarge, "error"); }
      });
    }
    var pick = form.querySelector("[data-group-pick]");
    var radios = form.querySelectorAll("input[name=visibility]");
    function update() {
      var chosen = form.querySelector("input[name=visibility]:checked");
      if (pick) { pick.hidden = !chosen || chosen.value !== "group"; }
    }
    radios.forEach(function (r) { r.addEventListener("change", update); });
    update();
  });
})();
