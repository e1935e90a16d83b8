/* Feeds without full page reloads: like, comment, repost, the composer's counter, and
 * the @mention autocomplete.
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
  // ---- @mentions: an autocomplete under the field ------------------------------------
  //
  // Typing @ and a few letters of a name (汉字, pinyin, initials or the username) asks
  // the server whom it could be: people followed and the group's members first. Picking
  // one writes "@名字 " into the text and adds a hidden `mention` input with their id,
  // so the post links to that person even when two people share the name.

  var menuSeq = 0;

  function mentionQuery(field) {
    var before = field.value.slice(0, field.selectionStart || 0);
    var match = /(?:^|[^A-Za-z0-9_.\-@])@([^\s@#,，.。!！?？:：;；、()（）]{1,20})$/.exec(before);
    return match ? { text: match[1], start: before.length - match[1].length - 1 } : null;
  }

  function setUpMentions(field) {
    var form = field.form;
    var url = script && script.dataset.suggestUrl;
    if (!form || !url || !window.fetch) { return; }
    var menu = document.createElement("ul");
    menu.className = "mention-menu";
    menu.id = "mention-menu-" + (++menuSeq);
    menu.setAttribute("role", "listbox");
    menu.hidden = true;
    field.insertAdjacentElement("afterend", menu);
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", menu.id);
    field.setAttribute("aria-expanded", "false");
    var people = [], active = 0, timer = null, asked = "", query = null;

    function close() {
      menu.hidden = true;
      people = [];
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(menu.children, function (item, i) {
        item.classList.toggle("is-active", i === index);
        item.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) { field.setAttribute("aria-activedescendant", item.id); }
      });
    }

    function item(person, index) {
      var li = document.createElement("li");
      li.id = menu.id + "-" + index;
      li.setAttribute("role", "option");
      var face;
      if (person.avatar) {
        face = document.createElement("img");
        face.src = person.avatar;
        face.alt = "";
        face.className = "avatar";
      } else {
        face = document.createElement("span");
        face.className = "avatar avatar-letter avatar-size-32 avatar-colour-" + person.colour;
        face.textContent = person.letter;
      }
      face.setAttribute("aria-hidden", "true");
      var name = document.createElement("span");
      name.className = "mention-name";
      name.textContent = person.display_name;
      var handle = document.createElement("span");
      handle.className = "muted small";
      handle.textContent = " @" + person.username;
      name.appendChild(handle);
      var about = document.createElement("span");
      about.className = "mention-about muted small";
      about.textContent = [person.school, person.major].filter(Boolean).join(" · ");
      var words = document.createElement("span");
      words.className = "mention-words";
      words.appendChild(name);
      words.appendChild(about);
      li.appendChild(face);
      li.appendChild(words);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });
      li.addEventListener("click", function () { choose(index); });
      return li;
    }

    function show(found) {
      people = found;
      menu.textContent = "";
      if (!people.length) { close(); return; }
      people.forEach(function (person, i) { menu.appendChild(item(person, i)); });
      // Under the field, wherever the field is in its form (CSSOM: the CSP allows it).
      menu.style.top = (field.offsetTop + field.offsetHeight + 2) + "px";
      menu.style.left = field.offsetLeft + "px";
      menu.hidden = false;
      field.setAttribute("aria-expanded", "true");
      highlight(0);
    }

    function choose(index) {
      var person = people[index];
      if (!person || !query) { return; }
      var name = person.display_name;
      var after = field.value.slice(field.selectionStart || 0);
      var inserted = "@" + name + " ";
      field.value = field.value.slice(0, query.start) + inserted + after.replace(/^\s/, "");
      var caret = query.start + inserted.length;
      field.setSelectionRange(caret, caret);
      if (!form.querySelector('input[name="mention"][value="' + person.id + '"]')) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "mention";
        hidden.value = person.id;
        form.appendChild(hidden);
      }
      close();
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.focus();
    }

    function ask() {
      query = mentionQuery(field);
      if (!query) { close(); return; }
      if (query.text === asked && !menu.hidden) { return; }
      asked = query.text;
      var group = form.querySelector('[name="group"]');
      var params = new URLSearchParams({ q: query.text });
      if (group && group.value) { params.set("group", group.value); }
      fetch(url + "?" + params.toString(), { credentials: "same-origin",
                                             headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { people: [] }; })
        .then(function (body) {
          var now = mentionQuery(field);
          if (now && now.text === asked) { show(body.people || []); }
        }, close);
    }

    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 120);
    });
    field.addEventListener("keydown", function (event) {
      if (menu.hidden) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : people.length - 1;
        highlight((active + step) % people.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    field.addEventListener("blur", function () { setTimeout(close, 150); });
    form.addEventListener("reset", function () {
      form.querySelectorAll('input[name="mention"]').forEach(function (i) { i.remove(); });
      close();
    });
  }

  document.querySelectorAll("[data-mentions]").forEach(setUpMentions);
})();
