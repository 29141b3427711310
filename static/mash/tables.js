// Wide tables scroll inside their own region, never the page (390 px phones), on every page, staff's and
// referrers': each table is wrapped in a focusable region so keyboard users can scroll it too. The region is
// named after the table: its caption, else the heading just before it, so two regions never share a name.
(function () {
  function headingBefore(table) {
    for (var node = table; node && node.tagName !== "MAIN"; node = node.parentElement) {
      for (var sibling = node.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
        var heading = /^H[1-6]$/.test(sibling.tagName) ? sibling : sibling.querySelector("h1, h2, h3, h4, h5, h6");
        if (heading && heading.textContent.trim()) return heading.textContent.trim();
      }
    }
    return "";
  }
  function contain(scope) {
    var names = {};
    document.querySelectorAll("main .mash-table-scroll[aria-label]").forEach(function (region) {
      names[region.getAttribute("aria-label")] = true;
    });
    scope.querySelectorAll("main .govuk-table").forEach(function (table) {
      if (table.closest(".mash-table-scroll")) return;
      var caption = table.querySelector("caption");
      var name = (caption && caption.textContent.trim()) || headingBefore(table) || "Table";
      for (var n = 2, base = name; names[name]; n++) name = base + " (" + n + ")";
      names[name] = true;
      var region = document.createElement("div");
      region.className = "mash-table-scroll";
      region.setAttribute("role", "region");
      region.setAttribute("tabindex", "0");
      region.setAttribute("aria-label", name);
      table.parentNode.insertBefore(region, table);
      region.appendChild(table);
    });
  }
  contain(document);
  document.addEventListener("htmx:afterSwap", function () { contain(document); });
})();
