// Live time left: every [data-countdown] element's words and tag are recomputed every 30 seconds, worded exactly
// as mash/templatetags/timefmt.py shows them (the server's words stand without JavaScript). A file, not an inline script,
// so the content-security policy needs no exception. Changing text never moves keyboard focus.
(function () {
  "use strict";
  var TAGS = { overdue: ["red", "Overdue"], due_soon: ["yellow", "Due soon"], on_time: ["blue", "On time"] };

  function span(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) return "under 1 min";
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    minutes = minutes % 60;
    if (days) return hours ? days + " d " + hours + " h" : days + " d";
    if (hours) return minutes ? hours + " h " + minutes + " min" : hours + " h";
    return minutes + " min";
  }

  function update(el, now) {
    var seconds = Math.trunc((Date.parse(el.getAttribute("data-countdown")) - now) / 1000);
    var warn = el.getAttribute("data-warn");
    var state = seconds <= 0 ? "overdue" : warn && Date.parse(warn) <= now ? "due_soon" : "on_time";
    var words = el.querySelector(".mash-time-left__words");
    // Overdue, the tag says so and the words go on from it: "Overdue" "by 20 min" (as mash/templatetags/timefmt.py).
    if (words) words.textContent = seconds <= 0 ? "by " + span(-seconds) : span(seconds) + " left";
    var tag = el.querySelector(".mash-time-left__tag");
    var wanted = state !== "on_time" || el.hasAttribute("data-show-on-time");
    if (wanted && !tag) {
      tag = document.createElement("strong");
      el.insertBefore(document.createTextNode(" "), el.firstChild);
      el.insertBefore(tag, el.firstChild);
    }
    if (tag && !wanted) {
      if (tag.nextSibling && tag.nextSibling.nodeType === 3) tag.nextSibling.remove();
      tag.remove();
      return;
    }
    if (tag) {
      tag.className = "govuk-tag govuk-tag--" + TAGS[state][0] + " mash-time-left__tag";
      tag.textContent = TAGS[state][1];
    }
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) { update(el, now); });
  }

  setInterval(tick, 30000);
  document.addEventListener("htmx:afterSwap", tick);
})();
