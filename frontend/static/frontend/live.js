/* Live updates over one websocket (/ws/live/): the notification count, a "N new posts"
 * bar on the home and group timelines, like / comment counts of the posts on screen, and
 * the 私信 badge (new and recalled messages are handed to the messages page as
 * "yiban:message" events; it fetches the thread, and again after a reconnect).
 *
 * Events carry ids and counts only; content is fetched over HTTP (the bar reloads the
 * list from the page's own URL), where visibility is checked. On a dropped connection
 * the socket reconnects with back-off and asks for the notifications it missed
 * ({"type": "resume", "after_notification": <last id seen>}).
 * Close codes 4401 (logged out) and 4403 stop reconnecting; 4429 waits longer; 1012
 * (the server is restarting) reconnects from the first, short step, with jitter so a
 * restart does not bring every page back in the same instant.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.WebSocket) { return; }
  var wsPath = script.dataset.wsPath || "/ws/live/";
  var newPostsText = script.dataset.newPosts || "{n} new posts";

  var timeline = document.querySelector("[data-live-stream]");
  var bar = document.querySelector("[data-new-posts-bar]");
  var badges = document.querySelectorAll("[data-unread-badge]");
  var messageBadges = document.querySelectorAll("[data-unread-messages-badge]");

  var socket = null;
  var attempt = 0;
  var lastNotification = null;  // the newest notification id seen on this page
  var newPostIds = {};
  var newPostCount = 0;

  function setUnread(count) {
    badges.forEach(function (badge) {
      badge.textContent = count;
      badge.hidden = !count;
    });
  }

  function setUnreadMessages(count) {
    messageBadges.forEach(function (badge) {
      badge.textContent = count;
      badge.hidden = !count;
    });
  }

  // The messages page (messages.js) listens: it fetches the thread again over HTTP.
  function tellPage(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function onScreenPostIds() {
    var ids = [];
    document.querySelectorAll("[data-post-id]").forEach(function (el) {
      var id = parseInt(el.dataset.postId, 10);
      if (id && ids.indexOf(id) === -1 && ids.length < 100) { ids.push(id); }
    });
    return ids;
  }

  function sendJson(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
  }

  function subscribe() {
    if (timeline) {
      var stream = timeline.dataset.liveStream;
      if (stream === "group") {
        sendJson({ type: "subscribe", stream: "group", id: parseInt(timeline.dataset.liveId, 10) });
      } else if (stream === "home") {
        sendJson({ type: "subscribe", stream: "home" });
      }
    }
    var ids = onScreenPostIds();
    if (ids.length) { sendJson({ type: "subscribe", stream: "posts", ids: ids }); }
  }

  function showNewPosts(postId) {
    if (!timeline || !bar || newPostIds[postId]) { return; }
    if (document.querySelector('[data-post-id="' + postId + '"]')) { return; }  // on screen already
    newPostIds[postId] = true;
    newPostCount += 1;
    bar.textContent = newPostsText.replace("{n}", newPostCount);
    bar.hidden = false;
  }

  function reloadTimeline() {
    bar.disabled = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelector("[data-live-stream]");
        if (fresh) { timeline.innerHTML = fresh.innerHTML; }
        newPostIds = {};
        newPostCount = 0;
        bar.hidden = true;
        var ids = onScreenPostIds();
        if (ids.length) { sendJson({ type: "subscribe", stream: "posts", ids: ids }); }
      })
      .catch(function () { window.location.reload(); })
      .then(function () { bar.disabled = false; });
  }

  function setCounters(event) {
    document.querySelectorAll('[data-post-id="' + event.post_id + '"]').forEach(function (post) {
      post.querySelectorAll("[data-like-count]").forEach(function (el) {
        if (!el.closest("[data-comment-id], .comment")) { el.textContent = event.like_count; }
      });
      post.querySelectorAll("[data-comment-count]").forEach(function (el) {
        el.textContent = event.comment_count;
      });
    });
  }

  function onMessage(event) {
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    switch (message.type) {
      case "hello":
        attempt = 0;
        setUnread(message.unread_count);
        if (lastNotification === null) {
          lastNotification = message.last_notification_id || 0;  // the page is fresh
        } else {
          sendJson({ type: "resume", after_notification: lastNotification });  // a reconnect
        }
        subscribe();
        tellPage("yiban:live-hello", {});
        break;
      case "message":  // a new message in one of my conversations (ids only)
        setUnreadMessages(message.unread_count);
        tellPage("yiban:message", message);
        break;
      case "message_recalled":
        tellPage("yiban:message", message);
        break;
      case "messages_unread":  // read in another tab
        setUnreadMessages(message.unread_count);
        break;
      case "notification":
        if (lastNotification === null || message.id > lastNotification) {
          lastNotification = message.id;
        }
        setUnread(message.unread_count);
        break;
      case "unread":  // read elsewhere (another tab opened 通知)
        setUnread(message.unread_count);
        break;
      case "new_post":
        showNewPosts(message.post_id);
        break;
      case "counters":
        setCounters(message);
        break;
      default:
        break;
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + wsPath);
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      socket = null;
      if (event.code === 4401 || event.code === 4403) { return; }
      if (event.code === 1012) { attempt = 0; }
      attempt += 1;
      var base = event.code === 4429 ? 30000 : 1000;
      var delay = Math.min(base * Math.pow(2, attempt - 1), 60000) * (0.5 + Math.random());
      setTimeout(connect, delay);
    });
  }

  if (bar) { bar.addEventListener("click", reloadTimeline); }
  connect();
})();
