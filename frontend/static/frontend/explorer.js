/* The GraphQL explorer (/developers/explorer): GraphiQL against /graphql.
   Without a token: the logged-in session, with its CSRF token (cookie csrftoken,
   header X-CSRFToken). With a pasted token: Authorization: Bearer and no cookies,
   as an app calls. The token is never stored. */
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  if (!root || !window.GraphiQL || !window.React || !window.ReactDOM) { return; }
  var tokenInput = document.getElementById("explorer-token");
  var identity = document.querySelector("[data-explorer-identity]");

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var pair = parts[i].trim().split("=");
      if (pair[0] === name) { return decodeURIComponent(pair.slice(1).join("=")); }
    }
    return "";
  }

  function token() { return tokenInput ? tokenInput.value.trim() : ""; }

  if (tokenInput && identity) {
    tokenInput.addEventListener("input", function () {
      identity.textContent = token() ? identity.dataset.token : identity.dataset.session;
    });
  }

  function fetcher(params, options) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (name) { headers[name] = extra[name]; });
    var credentials = "same-origin";
    if (token()) {
      headers.Authorization = "Bearer " + token();
      credentials = "omit";
    } else {
      headers["X-CSRFToken"] = cookie("csrftoken");
    }
    return fetch(root.dataset.endpoint, {
      method: "POST", headers: headers, credentials: credentials, body: JSON.stringify(params)
    }).then(function (response) { return response.json(); });
  }

  root.textContent = "";
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: root.dataset.defaultQuery,
    defaultEditorToolsVisibility: false,
    shouldPersistHeaders: false
  }));
})();
