// The MoJ Design System's components on staff pages (sortable tables, button menus, filter toggles).
// A module file, not an inline script, so the content-security policy needs no exception for it.
import { FilterToggleButton, initAll, SortableTable } from "../moj/moj-frontend.min.js";

// A sortable table the server has already put in order keeps that order on load. MoJ's table re-sorts its rows
// by the column marked aria-sort when it starts, which would undo what the column cannot express: the triage
// queue's Emergency Duty Team handovers and immediate-action contacts first, whatever the sort (issue 19).
// Sorting by a click still works as before.
var initialiseSortedColumn = SortableTable.prototype.initialiseSortedColumn;
SortableTable.prototype.initialiseSortedColumn = function () {
  if (this.$root.hasAttribute("data-keep-server-order")) return;
  return initialiseSortedColumn.apply(this, arguments);
};

initAll();

// The worklists' filter panels (MoJ's filter toggle: "Show filter" on small screens). MoJ's initAll leaves this
// component out, so it is started here, once per page (the panels are never part of a refresh).
document.querySelectorAll('[data-module="moj-filter"]').forEach(function (panel) {
  new FilterToggleButton(panel);
});

// Worklists refresh themselves (htmx, every 60 seconds). A refresh replaces the table, so it waits while the
// user is inside it (keyboard focus there, or rows sorted on screen) rather than move their focus or order.
document.body.addEventListener("htmx:beforeRequest", function (event) {
  var target = event.detail.elt;
  if (!target || !target.hasAttribute("hx-trigger") || target.getAttribute("hx-trigger").indexOf("every") === -1) return;
  var sortedHere = target.querySelector("[aria-sort] button") && target.getAttribute("data-sorted-on-screen");
  if (target.contains(document.activeElement) || sortedHere) event.preventDefault();
});
document.body.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[aria-sort] button");
  var region = button && button.closest("[hx-trigger]");
  if (region) region.setAttribute("data-sorted-on-screen", "true");
});
// Components in the refreshed rows are brought to life like the page's own.
// (Components already running are skipped quietly.)
document.body.addEventListener("htmx:afterSwap", function () {
  initAll({ scope: document, onError: function () {} });
});

// An error-summary link whose field sits in a closed expander (the decision page's census codes) or a hidden
// conditional panel opens it first, so GOV.UK Frontend can move focus to the field (a field inside a closed
// <details> cannot take focus). Capture phase: this runs before the error summary's own handler.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest(".govuk-error-summary a[href^='#']");
  if (!link) return;
  var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
  for (var node = field; node; node = node.parentElement) {
    if (node.tagName === "DETAILS" && !node.open) node.open = true;
  }
}, true);

// GOV.UK Frontend marks a radio that reveals a question with aria-expanded, which ARIA does not allow on a radio
// (axe: aria-allowed-attr, critical). The revealed question follows its radio and aria-controls stays, so the
// attribute is dropped after GOV.UK Frontend sets it (on start, on every change, and when the page is restored).
function dropRadioExpanded() {
  document.querySelectorAll(".govuk-radios__input[aria-expanded]").forEach(function (input) {
    input.removeAttribute("aria-expanded");
  });
}
dropRadioExpanded();
document.addEventListener("change", dropRadioExpanded);
window.addEventListener("pageshow", function () { setTimeout(dropRadioExpanded, 0); });
