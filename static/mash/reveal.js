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

// A "Print" button (data-mash-print) prints the page with its print styles; it is hidden until this runs, since
// without JavaScript it could do nothing (the browser's own print still works).
(function () {
  "use strict";
  document.querySelectorAll("[data-mash-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
