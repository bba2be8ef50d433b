/* AidTrack's page behaviour, declared in the markup with data-* attributes.
 * The Content-Security-Policy allows no inline handlers or styles, so what
 * templates once wrote as onclick="…" / style="…" happens here:
 *   data-autosubmit          a <select> submits its form when changed
 *   data-print               a button prints the page
 *   data-tick-all="name"     a checkbox ticks every input[name=name]
 *   data-width="42"          an element's width in % (progress bars)
 *   data-height="280"        an element's height in px (charts sized by their rows)
 *   data-search-suggestions="#id"  the list under a search box, closed by Escape or a click elsewhere
 * Setting element.style from a script is allowed; style="…" in HTML is not. */
(function () {
  "use strict";

  function sizes(root) {
    root.querySelectorAll("[data-width]").forEach(function (element) {
      var value = parseFloat(element.dataset.width);
      if (!isNaN(value)) element.style.width = Math.max(0, Math.min(100, value)) + "%";
    });
    root.querySelectorAll("[data-height]").forEach(function (element) {
      var value = parseFloat(element.dataset.height);
      if (!isNaN(value)) element.style.height = value + "px";
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-autosubmit]") && target.form) target.form.submit();
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("[data-print]")) {
      window.print();
      return;
    }
    if (target.matches("[data-tick-all]")) {
      document.querySelectorAll('input[name="' + target.dataset.tickAll + '"]').forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });

  // The navbar's search suggestions close with Escape or a click elsewhere.
  function closeSuggestions(except) {
    document.querySelectorAll("[data-search-suggestions]").forEach(function (box) {
      var list = document.querySelector(box.dataset.searchSuggestions);
      if (list && !(except && list.contains(except)) && except !== box) list.innerHTML = "";
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeSuggestions(null);
  });
  document.addEventListener("click", function (event) { closeSuggestions(event.target); });

  // Before the charts are drawn (assessments.js runs on DOMContentLoaded too,
  // loaded after this file), so ECharts measures the final height.
  document.addEventListener("DOMContentLoaded", function () { sizes(document); });
  // Fragments that htmx swaps in may carry sizes of their own.
  document.addEventListener("htmx:afterSwap", function (event) { sizes(event.target); });
})();
