/* The conversation page: send without a reload (Enter sends, Shift+Enter a new line),
 * and fetch the thread and the list again when live.js says a message arrived or was
 * recalled in a conversation (the socket carries ids only), or after a reconnect.
 * On the inbox alone, the list is fetched again instead. Without JavaScript the composer
 * posts and the page reloads.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var thread = document.querySelector("[data-chat-thread]");
  var composer = document.querySelector("[data-chat-composer]");
  if (!window.fetch || !document.querySelector("[data-chat-list]")) { return; }
  if (!thread || !composer) {  // the inbox alone: keep its rows fresh
    var refreshList = function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html")
            .querySelector("[data-chat-list]");
          if (fresh) { document.querySelector("[data-chat-list]").innerHTML = fresh.innerHTML; }
        })
        .catch(function () { /* the next event catches up */ });
    };
    document.addEventListener("yiban:message", refreshList);
    document.addEventListener("yiban:live-hello", refreshList);
    return;
  }
  var failedText = (script && script.dataset.failed) || "Sending failed";
  var conversationId = parseInt(thread.dataset.conversationId, 10);
  var list = thread.querySelector("[data-chat-messages]");
  var textarea = composer.querySelector("textarea");
  var sending = false;
  var refreshing = null;
  var refreshAgain = false;

  function scrollToEnd() { list.scrollTop = list.scrollHeight; }

  function showError(text) {
    var errors = composer.querySelector("[data-chat-errors]");
    if (!errors) {
      errors = document.createElement("ul");
      errors.className = "errorlist";
      errors.setAttribute("role", "alert");
      errors.dataset.chatErrors = "";
      composer.insertBefore(errors, composer.firstChild.nextSibling);
    }
    errors.innerHTML = "";
    [].concat(text).forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      errors.appendChild(item);
    });
  }

  function clearError() {
    var errors = composer.querySelector("[data-chat-errors]");
    if (errors) { errors.remove(); }
  }

  // A refresh asked for while one is in flight runs again after it: the one in flight
  // may have been sent before the message it should show (a send racing the reconnect's).
  function refresh() {
    if (refreshing) { refreshAgain = true; return refreshing; }
    refreshing = fetch(window.location.pathname, { credentials: "same-origin",
                                                   headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshList = fresh.querySelector("[data-chat-messages]");
        var atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
        if (freshList) { list.innerHTML = freshList.innerHTML; }
        var rows = document.querySelector("[data-chat-list]");
        var freshRows = fresh.querySelector("[data-chat-list]");
        if (rows && freshRows) { rows.innerHTML = freshRows.innerHTML; }
        if (atEnd) { scrollToEnd(); }
      })
      .catch(function () { /* the next event or a reload catches up */ })
      .then(function () {
        refreshing = null;
        if (refreshAgain) { refreshAgain = false; return refresh(); }
      });
    return refreshing;
  }

  function send(event) {
    event.preventDefault();
    if (sending) { return; }
    var data = new FormData(composer);
    var file = composer.querySelector("input[type=file]");
    if (!data.get("text").trim() && !(file && file.files.length)) { return; }
    sending = true;
    fetch(composer.action, { method: "POST", body: data, credentials: "same-origin",
                             headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.status === 204) {
          textarea.value = "";
          if (file) { file.value = ""; }
          clearError();
          return refresh();
        }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var errors = page.querySelectorAll("[data-chat-errors] li, .message.error");
          showError(errors.length ? [].map.call(errors, function (e) { return e.textContent; })
                                  : failedText);
        });
      })
      .catch(function () { showError(failedText); })
      .then(function () { sending = false; textarea.focus(); });
  }

  composer.addEventListener("submit", send);
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  document.addEventListener("yiban:message", function (event) {
    if (event.detail && event.detail.conversation_id === conversationId) {
      refresh();  // the server marks what it shows read
    } else {
      var rows = document.querySelector("[data-chat-list]");
      if (rows) { refresh(); }
    }
  });
  document.addEventListener("yiban:live-hello", function () { refresh(); });
  scrollToEnd();
})();
