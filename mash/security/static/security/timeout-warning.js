// GOV.UK timeout warning: warn before an idle session is signed out; "Stay signed in" keeps it.
(function () {
  "use strict";
  var dialog = document.getElementById("mash-timeout-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var timeout = parseInt(dialog.dataset.timeout, 10) * 1000;
  var warning = parseInt(dialog.dataset.warning, 10) * 1000;
  // The server records activity at most once a "resolution": assume the earliest expiry.
  var resolution = parseInt(dialog.dataset.resolution || "0", 10) * 1000;
  var countdown = dialog.querySelector(".mash-timeout-countdown");
  var live = dialog.querySelector(".mash-timeout-live");
  var stay = dialog.querySelector("[data-mash-stay]");
  var expiresAt, timer, ticker, lastAnnounced;

  function words(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function signOut() {
    window.location.href = dialog.dataset.signInUrl;
  }

  function tick() {
    var left = expiresAt - Date.now();
    if (left <= 0) { signOut(); return; }
    var text = words(left);
    countdown.textContent = text;
    // Screen readers hear the time left when the dialog opens and then every 20 seconds, not every second.
    if (lastAnnounced === undefined || lastAnnounced - left >= 20000) {
      live.textContent = "We will sign you out in " + text + ".";
      lastAnnounced = left;
    }
  }

  function warn() {
    lastAnnounced = undefined;
    if (!dialog.open) dialog.showModal();
    stay.focus();
    tick();
    ticker = window.setInterval(tick, 1000);
  }

  function restart() {
    window.clearTimeout(timer);
    window.clearInterval(ticker);
    expiresAt = Date.now() + timeout - resolution;
    timer = window.setTimeout(warn, Math.max(0, timeout - resolution - warning));
  }

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  stay.addEventListener("click", function () {
    fetch(dialog.dataset.keepAliveUrl, {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrfToken()}
    }).then(function (response) {
      if (!response.ok) { signOut(); return; }
      dialog.close();
      restart();
    }, signOut);
  });
  // Escape would hide the warning without keeping the session: treat it as "stay signed in".
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); stay.click(); });
  // A worklist polling for fresh rows (hx-trigger "every ...") is the page working, not the user: its
  // requests say so (the server then leaves the session's idle clock alone) and do not restart the
  // countdown. Any other request to the server (htmx autosave, a filter) keeps the session alive.
  function polling(elt) {
    var trigger = elt && elt.getAttribute && elt.getAttribute("hx-trigger");
    return !!trigger && /(^|,)\s*every\s/.test(trigger);
  }
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (polling(event.detail.elt)) event.detail.headers["X-Mash-Auto-Refresh"] = "true";
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (!polling(event.detail.elt)) restart();
  });
  restart();
})();
