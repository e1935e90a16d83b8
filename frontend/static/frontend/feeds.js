/* Feeds without full page reloads: like, comment, repost, and the composer's counter.
 *
 * Progressive enhancement: every form here works without this file (POST, then a
 * redirect back). With it, the same URLs are fetched with Accept: application/json;
 * they answer the new state, or {code, message, field} with a 4xx status, and the
 * page is updated in place. Messages come from the server (already translated);
 * the few strings of our own are read from the <script> tag's data attributes.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var text = {
    network: (script && script.dataset.networkError) || "Network error",
    tooManyImages: (script && script.dataset.tooManyImages) || "Too many images",
    filesChosen: (script && script.dataset.filesChosen) || ""
  };

  // ---- small helpers ----------------------------------------------------------------

  var toastTimer = null;

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
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.className = "toast " + (kind || "info"); }, 4000);
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // POST a form as fetch(); resolves with the JSON body, rejects with {code, message}.
  function send(form, action) {
    return fetch(action || form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form),
                 "X-Requested-With": "fetch" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw { code: "NETWORK", message: text.network };
      }
      return response.json().then(function (body) {
        if (!response.ok) {
          throw { code: body.code, message: body.message || text.network, field: body.field };
        }
        return body;
      });
    }, function () {
      throw { code: "NETWORK", message: text.network };
    });
  }

  function busy(form, on) {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = on; });
    form.classList.toggle("is-busy", on);
  }

  function setCount(elements, value) {
    elements.forEach(function (el) { el.textContent = value; });
  }

  // ---- likes (posts and comments) ---------------------------------------------------

  function setLiked(form, liked, count) {
    var button = form.querySelector("button");
    button.classList.toggle("is-on", liked);
    button.setAttribute("aria-pressed", liked ? "true" : "false");
    form.action = liked ? form.dataset.unlikeUrl : form.dataset.likeUrl;
    setCount(form.querySelectorAll("[data-like-count]"), count);
  }

  function onLike(form) {
    busy(form, true);
    send(form).then(function (body) {
      // The same post can be on the page twice (an announcement is also in the timeline).
      var card = form.closest("[data-post-id]");
      var isPostLike = card && !form.closest(".comment-body");
      var forms = isPostLike
        ? document.querySelectorAll('[data-post-id="' + card.dataset.postId + '"] > .post-actions .js-like')
        : [form];
      forms.forEach(function (f) { setLiked(f, body.liked, body.like_count); });
    }).catch(function (error) {
      toast(error.message, "error");
    }).then(function () { busy(form, false); });
  }

  // ---- comments ---------------------------------------------------------------------

  function onComment(form) {
    busy(form, true);
    send(form).then(function (body) {
      var holder = document.createElement("template");
      holder.innerHTML = body.html.trim();
      var node = holder.content.firstElementChild;
      var list = body.parent
        ? document.querySelector('[data-replies="' + body.parent + '"]')
        : document.querySelector("[data-comments]");
      if (list) {
        list.appendChild(node);
      }
      var none = document.querySelector("[data-no-comments]");
      if (none) { none.remove(); }
      setCount(document.querySelectorAll("[data-comment-count]"), body.comment_count);
      form.reset();
      var details = form.closest("details");
      if (details) { details.open = false; }
      if (node) {
        node.classList.add("is-new");
        node.scrollIntoView({ block: "nearest" });
      }
    }).catch(function (error) {
      toast(error.message, "error");
    }).then(function () { busy(form, false); });
  }

  // ---- reposts ----------------------------------------------------------------------

  function onRepost(form) {
    busy(form, true);
    send(form).then(function (body) {
      setCount(document.querySelectorAll('[data-repost-count="' + body.original_id + '"]'),
               body.repost_count);
      form.reset();
      var details = form.closest("details");
      if (details) { details.open = false; }
      toast(body.message || "", "success");
    }).catch(function (error) {
      toast(error.message, "error");
    }).then(function () { busy(form, false); });
  }

  // ---- one listener for every form on the page --------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    var handler = form.classList.contains("js-like") ? onLike
      : form.classList.contains("js-comment") ? onComment
      : form.classList.contains("js-repost") ? onRepost : null;
    if (!handler || !window.fetch) { return; }
    event.preventDefault();
    if (form.classList.contains("is-busy")) { return; }
    handler(form);
  });

  // ---- the composer -----------------------------------------------------------------

  function setUpComposer(form) {
    var area = form.querySelector("[data-counted]");
    var counter = form.querySelector("[data-counter]");
    var count = counter && counter.querySelector("[data-count]");
    var max = parseInt(area.getAttribute("maxlength"), 10) || 2000;
    function update() {
      // Count characters as the server does (code points, not UTF-16 units).
      var n = Array.from(area.value.trim()).length;
      count.textContent = n;
      counter.classList.toggle("near", n > max * 0.9);
      counter.classList.toggle("over", n > max);
    }
    if (area && count) {
      area.addEventListener("input", update);
      update();
    }

    var images = form.querySelector("[data-images]");
    var list = form.querySelector("[data-file-list]");
    var maxImages = parseInt(form.dataset.maxImages, 10) || 9;
    if (images) {
      images.addEventListener("change", function () {
        if (images.files.length > maxImages) {
          toast(text.tooManyImages, "error");
          images.value = "";
        }
        var names = Array.prototype.map.call(images.files, function (f) { return f.name; });
        if (list) {
          list.hidden = names.length === 0;
          list.textContent = names.length ? text.filesChosen + names.join("、") : "";
        }
      });
    }

    // A group post's visibility is the group's: the select would only mislead.
    var group = form.querySelector("[data-group-select]");
    var visibility = form.querySelector("[data-visibility]");
    if (group && visibility) {
      group.addEventListener("change", function () { visibility.disabled = !!group.value; });
    }
  }

  document.querySelectorAll("[data-composer]").forEach(setUpComposer);
})();
