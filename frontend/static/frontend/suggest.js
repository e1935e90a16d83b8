/* Suggestions under the top search box (#topsearch-q) as the query is typed: people,
   groups and topics from /search/suggest, which answers through the same search (and
   visibility rules) as the results page. Arrow keys choose, Enter opens the chosen one
   (or, with none chosen, submits the search), Esc closes. The list's stylesheet is
   suggest.css, added from this script so the page needs one tag only. */
(function () {
  "use strict";
  var script = document.currentScript;
  var input = document.getElementById("topsearch-q");
  if (!script || !input || !window.fetch) { return; }
  var endpoint = script.dataset.url;
  var DELAY = 120;

  if (script.dataset.css && !document.querySelector("link[data-suggest-css]")) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = script.dataset.css;
    css.setAttribute("data-suggest-css", "");
    document.head.appendChild(css);
  }

  var list = document.createElement("ul");
  list.id = "topsearch-suggest";
  list.className = "suggest";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", script.dataset.label || "");
  list.hidden = true;
  input.insertAdjacentElement("afterend", list);
  input.parentElement.classList.add("suggest-host");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("autocomplete", "off");

  var timer = null, asked = 0, active = -1, items = [];

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(index) {
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(suggestions) {
    list.textContent = "";
    items = suggestions.map(function (s, i) {
      var item = document.createElement("li");
      item.id = "topsearch-suggest-" + i;
      item.className = "suggest-item";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.kind = s.kind;
      var link = document.createElement("a");
      link.href = s.url;
      link.tabIndex = -1;
      var kind = document.createElement("span");
      kind.className = "suggest-kind";
      kind.textContent = s.label;
      var title = document.createElement("span");
      title.className = "suggest-title";
      title.innerHTML = s.html;  // escaped by the server, matches in <mark>
      link.append(kind, title);
      if (s.detail) {
        var detail = document.createElement("span");
        detail.className = "suggest-detail";
        detail.textContent = s.detail;
        link.append(detail);
      }
      item.append(link);
      list.append(item);
      return item;
    });
    active = -1;
    if (!items.length) { close(); return; }
    place();
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  // On a phone the box sits between the brand and the bell: the list becomes a sheet the
  // width of the screen, just under the top bar; wider, it hangs from the box.
  function place() {
    var sheet = window.innerWidth <= 760;
    list.classList.toggle("suggest-sheet", sheet);
    if (sheet) {
      var bar = input.closest("header");
      list.style.top = ((bar || input).getBoundingClientRect().bottom + 4) + "px";
      return;
    }
    list.style.top = "";
    var room = window.innerWidth - input.getBoundingClientRect().left;
    list.classList.toggle("suggest-right", room < 360);
  }

  function ask() {
    var query = input.value.trim();
    if (!query) { close(); return; }
    var mine = ++asked;
    fetch(endpoint + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { suggestions: [] };
    }).then(function (data) {
      if (mine === asked && document.activeElement === input) { render(data.suggestions || []); }
    }).catch(function () { /* offline: no suggestions, the search still works */ });
  }

  input.addEventListener("input", function (event) {
    if (event.isComposing) { return; }  // an IME is still composing 高数 from gaoshu
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY);
  });
  input.addEventListener("compositionend", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY);
  });
  input.addEventListener("keydown", function (event) {
    if (event.isComposing) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) { if (items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } return; }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = active + step;
      choose(next < -1 ? items.length - 1 : next >= items.length ? -1 : next);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      window.location.assign(items[active].querySelector("a").href);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  // Keep the focus in the box while a suggestion is clicked; close when it leaves.
  list.addEventListener("mousedown", function (event) { event.preventDefault(); });
  input.addEventListener("blur", close);
  input.addEventListener("focus", function () { if (items.length && input.value.trim()) { ask(); } });
})();
