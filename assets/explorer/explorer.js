// The zhitong explorer: GraphiQL with a sign-in box. An admin signs in with phone and password
// (the `login` mutation); the access token stays in this page's memory and goes out as
// `Authorization: Bearer …` on every request and in the websocket's `connection_init`, so the
// docs pane (introspection is for admins) and autocompletion work without pasting tokens. The
// refresh token is kept in sessionStorage (this tab only) to refresh the access token shortly
// before it expires (`refreshToken`) and to restore the session on a reload. Sign-out calls
// `logout`. Every request goes to this server: the page loads nothing from elsewhere.
(function () {
  "use strict";

  var vendor = window.ZhitongVendor;
  var React = vendor.React;
  var endpoint = "/graphql";
  var socketUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql/ws";
  var refreshKey = "zhitong.explorer.refreshToken";
  // Refresh this long before the access token's expiresAt, so a request never carries a token
  // that expires on the way.
  var refreshMargin = 30 * 1000;
  var payloadFields = "accessToken refreshToken expiresAt user { id name role }";

  // GraphiQL's introspection query (graphql-js) nests `ofType` nine deep, past the server's
  // depth limit of 12 (src/graphql/limits.rs). No type of this schema is wrapped more than
  // three deep (`[X!]!`), so the explorer asks for five levels: the same query, with a
  // shallower TypeRef fragment. (This file names no host: see tests/api/explorer.rs.)
  var typeRef =
    "fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { " +
    "kind name ofType { kind name ofType { kind name } } } } } }";
  function withShallowTypeRef(params) {
    var at = params.query.indexOf("fragment TypeRef on __Type");
    if (params.operationName !== "IntrospectionQuery" || at < 0) return params;
    return Object.assign({}, params, { query: params.query.slice(0, at) + typeRef });
  }

  var session = null; // { accessToken, expiresAt (ms since the epoch), user }
  var refreshing = null;
  var generation = 0;
  var socket = null;
  var root = vendor.createRoot(document.getElementById("graphiql"));

  var form = document.getElementById("sign-in");
  var phoneInput = document.getElementById("sign-in-phone");
  var passwordInput = document.getElementById("sign-in-password");
  // The second factor (a TOTP code or a recovery code), asked for when the server answers
  // SECOND_FACTOR_REQUIRED; the password stays typed until the code is accepted.
  var codeLabel = document.getElementById("sign-in-code-label");
  var codeInput = document.getElementById("sign-in-code");
  var sessionBox = document.getElementById("session");
  var statusLine = document.getElementById("sign-in-status");

  function say(text, isError) {
    statusLine.textContent = text || "";
    statusLine.className = isError ? "error" : "";
  }

  function firstError(result) {
    var error = result && result.errors && result.errors[0];
    if (!error) return null;
    var code = error.extensions && error.extensions.code;
    return code ? error.message + " (" + code + ")" : error.message;
  }

  // One GraphQL request of the sign-in box itself, outside GraphiQL.
  function post(query, variables, token) {
    var headers = { "content-type": "application/json" };
    if (token) headers.authorization = "Bearer " + token;
    return fetch(endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify({ query: query, variables: variables }),
    }).then(function (response) {
      return response.json();
    });
  }

  function adopt(payload) {
    var changedUser = !session || session.user.id !== payload.user.id;
    session = {
      accessToken: payload.accessToken,
      expiresAt: Date.parse(payload.expiresAt),
      user: payload.user,
    };
    sessionStorage.setItem(refreshKey, payload.refreshToken);
    if (changedUser) showSession();
  }

  function forget(why) {
    var had = session !== null;
    session = null;
    sessionStorage.removeItem(refreshKey);
    if (had || why) showSession();
    if (why) say(why, true);
  }

  function refresh() {
    if (refreshing) return refreshing;
    var token = sessionStorage.getItem(refreshKey);
    if (!token) {
      forget(session ? "the session ended: sign in again" : null);
      return Promise.resolve(false);
    }
    refreshing = post(
      "mutation ExplorerRefreshToken($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { " +
        payloadFields + " } }",
      { refreshToken: token }
    )
      .then(function (result) {
        if (!result.data || !result.data.refreshToken) {
          forget("the session ended: " + (firstError(result) || "sign in again"));
          return false;
        }
        adopt(result.data.refreshToken);
        return true;
      })
      .catch(function (error) {
        say("could not refresh the session: " + error.message, true);
        return false;
      })
      .finally(function () {
        refreshing = null;
      });
    return refreshing;
  }

  // The access token to send now: refreshed first when it is about to expire.
  function currentToken() {
    if (!session) return Promise.resolve(null);
    if (Date.now() < session.expiresAt - refreshMargin) return Promise.resolve(session.accessToken);
    return refresh().then(function () {
      return session && session.accessToken;
    });
  }

  function isUnauthenticated(response) {
    return response
      .clone()
      .json()
      .then(function (body) {
        return (body.errors || []).some(function (e) {
          return e.extensions && e.extensions.code === "UNAUTHENTICATED";
        });
      })
      .catch(function () {
        return false;
      });
  }

  // GraphiQL's fetch: the header from the session, and one retry after a refresh when the
  // server still says the token is no good (a clock ahead of ours, a token revoked elsewhere).
  function authorizedFetch(url, init) {
    function send(token) {
      var headers = new Headers((init && init.headers) || {});
      if (token) headers.set("authorization", "Bearer " + token);
      return fetch(url, Object.assign({}, init, { headers: headers }));
    }
    return currentToken().then(function (token) {
      return send(token).then(function (response) {
        if (!token) return response;
        return isUnauthenticated(response).then(function (refused) {
          if (!refused) return response;
          return refresh().then(function (ok) {
            return ok ? send(session.accessToken) : response;
          });
        });
      });
    });
  }

  // Shows who is signed in and mounts a fresh GraphiQL, which fetches the schema again with the
  // new caller's rights (the docs pane and autocompletion need an admin's introspection).
  function showSession() {
    generation += 1;
    form.hidden = session !== null;
    sessionBox.hidden = session === null;
    if (session) {
      document.getElementById("session-name").textContent = session.user.name;
      document.getElementById("session-role").textContent = session.user.role;
      say("");
    }
    if (socket) socket.dispose();
    socket = vendor.createClient({
      url: socketUrl,
      lazy: true,
      connectionParams: function () {
        return currentToken().then(function (token) {
          return token ? { Authorization: "Bearer " + token } : {};
        });
      },
    });
    var base = vendor.createGraphiQLFetcher({ url: endpoint, fetch: authorizedFetch, wsClient: socket });
    var fetcher = function (params, options) {
      return base(withShallowTypeRef(params), options);
    };
    root.render(
      React.createElement(vendor.GraphiQL, {
        key: "session-" + generation,
        fetcher: fetcher,
        defaultQuery: "{\n  me {\n    name\n    role\n  }\n}\n",
        defaultEditorToolsVisibility: false,
      })
    );
  }

  function reasonOf(result) {
    var error = result && result.errors && result.errors[0];
    return (error && error.extensions && error.extensions.reason) || null;
  }

  function askForCode(show) {
    codeLabel.hidden = !show;
    codeInput.required = show;
    if (!show) codeInput.value = "";
  }

  var requiredActions = {
    PASSWORD_CHANGE_REQUIRED: "change the password first: run changePassword (nothing else is allowed until then)",
    SECOND_FACTOR_ENROLMENT_REQUIRED:
      "turn on the second factor first: run beginSecondFactorEnrolment, then confirmSecondFactorEnrolment with a code",
  };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    say("signing in…");
    var code = codeLabel.hidden ? null : codeInput.value.trim() || null;
    post(
      "mutation ExplorerLogin($phone: String!, $password: String!, $secondFactor: String, $device: String, $platform: String) { " +
        "login(phone: $phone, password: $password, secondFactor: $secondFactor, device: $device, platform: $platform) { " +
        payloadFields + " requiredAction } }",
      {
        phone: phoneInput.value.trim(),
        password: passwordInput.value,
        secondFactor: code,
        device: "zhitong explorer",
        platform: "WEB",
      }
    )
      .then(function (result) {
        if (!result.data || !result.data.login) {
          var reason = reasonOf(result);
          if (reason === "SECOND_FACTOR_REQUIRED" || reason === "SECOND_FACTOR_WRONG") {
            askForCode(true);
            codeInput.value = "";
            codeInput.focus();
          }
          say("sign-in refused: " + (firstError(result) || "no answer"), true);
          return;
        }
        passwordInput.value = "";
        askForCode(false);
        adopt(result.data.login);
        var action = requiredActions[result.data.login.requiredAction];
        if (action) say(action, true);
      })
      .catch(function (error) {
        say("could not reach the server: " + error.message, true);
      });
  });

  document.getElementById("sign-out-button").addEventListener("click", function () {
    var token = sessionStorage.getItem(refreshKey);
    var ending = token
      ? post("mutation ExplorerLogout($refreshToken: String!) { logout(refreshToken: $refreshToken) }", {
          refreshToken: token,
        })
      : Promise.resolve(null);
    ending
      .catch(function () {
        return null;
      })
      .then(function () {
        forget(null);
        say("signed out");
      });
  });

  // A reload keeps the session of this tab: the refresh token gets a new access token.
  if (sessionStorage.getItem(refreshKey)) {
    refresh().then(function (ok) {
      if (!ok) showSession();
    });
  } else {
    showSession();
  }
})();
