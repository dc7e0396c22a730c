// The session's idle limit (issue 16): a warning one minute before it, "stay signed in" pings
// the server (any request moves the limit on), and at the limit the sign-in page. No inline
// script anywhere (Content-Security-Policy: script-src 'self').
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (!idle) { return; }
  var warning = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  var warnTimer = null, endTimer = null, lastFocus = null;

  function hide() {
    if (!warning.hidden) {
      warning.hidden = true;
      if (lastFocus) { lastFocus.focus(); }
    }
  }
  function show() {
    lastFocus = document.activeElement;
    warning.hidden = false;
    stay.focus();
  }
  function restart() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(show, Math.max(idle - 60, 1) * 1000);
    endTimer = setTimeout(function () {
      window.location.assign(body.getAttribute("data-timeout-url"));
    }, idle * 1000);
  }
  stay.addEventListener("click", function () {
    fetch(body.getAttribute("data-ping-url"), { credentials: "same-origin" }).then(function (response) {
      if (response.ok) { hide(); restart(); } else { window.location.assign(body.getAttribute("data-timeout-url")); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !warning.hidden) { stay.click(); }
  });
  // Every htmx request reaches the server too, and moves the limit on.
  document.addEventListener("htmx:afterRequest", restart);
  restart();
})();
