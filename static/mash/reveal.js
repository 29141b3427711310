// Questions that only apply sometimes are shown only then (GOV.UK conditional reveal, for questions that follow
// more than one radio group): why consent was not given or not sought appears once consent to the referral or to
// sharing is "Refused" or "Not sought". Without JavaScript every question shows, as GOV.UK recommends; a question
// with an error always shows.
(function () {
  var RULES = [
    { show: ["consent_reason", "consent_decided_by"], when: ["consent_to_referral", "consent_to_sharing"],
      values: ["refused", "not_sought"] },
  ];
  function group(name) {
    var input = document.querySelector("[name$='" + name + "']");
    return input && (input.closest(".govuk-form-group") || input.closest(".govuk-fieldset"));
  }
  function applies(rule) {
    return rule.when.some(function (name) {
      var checked = document.querySelector("[name$='" + name + "']:checked");
      return checked && rule.values.indexOf(checked.value) !== -1;
    });
  }
  function update() {
    RULES.forEach(function (rule) {
      var on = applies(rule);
      rule.show.forEach(function (name) {
        var g = group(name);
        if (!g || g.classList.contains("govuk-form-group--error")) return;
        g.hidden = !on;
      });
    });
  }
  RULES.forEach(function (rule) {
    rule.when.forEach(function (name) {
      document.querySelectorAll("[name$='" + name + "']").forEach(function (input) {
        input.addEventListener("change", update);
      });
    });
  });
  update();
})();

// Radios whose answer reveals its own follow-up questions ("Has the child been born?": the date of birth, or the
// expected date of delivery). Each radio names the block it reveals with data-reveals; the other answers' blocks
// are hidden. Done here rather than by GOV.UK Frontend's data-aria-controls, which puts aria-expanded on radio
// inputs (not an attribute a radio may have: axe-core's aria-allowed-attr). Without JavaScript every block shows.
(function () {
  var radios = document.querySelectorAll("input[type=radio][data-reveals]");
  function sync(name) {
    document.querySelectorAll("input[type=radio][data-reveals][name='" + name + "']").forEach(function (input) {
      var block = document.getElementById(input.getAttribute("data-reveals"));
      if (block) block.classList.toggle("govuk-radios__conditional--hidden", !input.checked);
    });
  }
  radios.forEach(function (input) {
    input.addEventListener("change", function () { sync(input.name); });
    sync(input.name);
  });
})();

// GOV.UK Frontend marks a radio that reveals a question with aria-expanded, which ARIA does not allow on a radio
// (axe: aria-allowed-attr). Staff pages drop it in staff.js; public and referrer pages (this layout) do it here.
(function () {
  function dropRadioExpanded() {
    document.querySelectorAll(".govuk-radios__input[aria-expanded]").forEach(function (input) {
      input.removeAttribute("aria-expanded");
    });
  }
  dropRadioExpanded();
  document.addEventListener("change", dropRadioExpanded);
  window.addEventListener("pageshow", function () { setTimeout(dropRadioExpanded, 0); });
})();

// A "Print" button (data-mash-print) prints the page with its print styles; it is hidden until this runs, since
// without JavaScript it could do nothing (the browser's own print still works).
(function () {
  "use strict";
  document.querySelectorAll("[data-mash-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
