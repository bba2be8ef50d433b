/* AidTrack's page behaviour, declared in the markup with data-* attributes.
 * The Content-Security-Policy allows no inline handlers or styles, so what
 * templates once wrote as onclick="…" / style="…" happens here:
 *   data-autosubmit          a <select> submits its form when changed
 *   data-print               a button prints the page
 *   data-tick-all="name"     a checkbox ticks every input[name=name]
 *   data-width="42"          an element's width in % (progress bars)
 *   data-height="280"        an element's height in px (charts sized by their rows)
 *   data-reference           a record chosen by name (core.references.ReferenceInput):
 *                            the text box [data-reference-text] asks for suggestions,
 *                            the hidden [data-reference-value] takes the picked one's value
 *   data-amount="yuan"       an amount box shows its value in 万元 below it as it is typed,
 *                            worded by data-amount-format ("= %(value)s万元")
 *   data-breakdown="field"   breakdown boxes [data-breakdown-for="ids"] shown only while the
 *                            form's <field> holds one of their indicator ids
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

  // A record chosen by name: the hidden input holds the value of the suggestion whose
  // label is exactly the text typed, and nothing while the text matches none.
  function referencePick(text) {
    var box = text.closest("[data-reference]");
    var hidden = box && box.querySelector("[data-reference-value]");
    if (!hidden || !text.list) return;
    if (text.value.trim() === "") {
      hidden.value = "";
      text.classList.remove("is-invalid");
      return;
    }
    var picked = Array.prototype.find.call(text.list.options, function (option) {
      return option.value === text.value;
    });
    if (picked) {
      if (hidden.value !== picked.dataset.value) {
        hidden.value = picked.dataset.value;
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
      text.classList.remove("is-invalid");
    } else if (text.dataset.shown !== text.value) {
      hidden.value = "";
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-reference-text]")) referencePick(event.target);
  });

  // Text typed but never matched to a suggestion chooses nothing: say so on leaving the box.
  document.addEventListener("focusout", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("[data-reference-text]")) return;
    var hidden = text.closest("[data-reference]").querySelector("[data-reference-value]");
    text.classList.toggle("is-invalid", text.value.trim() !== "" && hidden.value === "");
  });

  // The text box has no name (the form submits the hidden value): htmx sends its text as q.
  document.addEventListener("htmx:configRequest", function (event) {
    var element = event.detail.elt;
    if (element.matches && element.matches("[data-reference-text]")) {
      event.detail.parameters.q = element.value;
    }
  });

  // Amounts are typed in yuan; reports speak 万元: show the one while the other is typed.
  var wanFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });

  function amountShown(input) {
    var line = input.parentElement.querySelector("[data-amount-shown]");
    if (!line) {
      line = document.createElement("div");
      line.className = "form-text";
      line.setAttribute("data-amount-shown", "");
      line.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", line);
    }
    var value = parseFloat(String(input.value).replace(/,/g, ""));
    line.textContent = isNaN(value)
      ? ""
      : input.dataset.amountFormat.replace("%(value)s", wanFormat.format(value / 10000));
  }

  // Breakdown boxes: only those of the chosen indicator are shown.
  function breakdownShown(box) {
    var form = box.closest("form");
    var chooser = form && form.elements[box.dataset.breakdown];
    var chosen = chooser ? String(chooser.value) : "";
    var any = false;
    box.querySelectorAll("[data-breakdown-for]").forEach(function (part) {
      var shown = chosen !== "" && part.dataset.breakdownFor.split(" ").indexOf(chosen) >= 0;
      part.classList.toggle("d-none", !shown);
      any = any || shown;
    });
    var none = box.querySelector("[data-breakdown-none]");
    if (none) none.classList.toggle("d-none", any);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-amount]")) amountShown(event.target);
  });

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || !event.target.name) return;
    form.querySelectorAll('[data-breakdown="' + event.target.name + '"]').forEach(breakdownShown);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-amount]").forEach(amountShown);
    document.querySelectorAll("[data-breakdown]").forEach(breakdownShown);
  });

  // Before the charts are drawn (assessments.js runs on DOMContentLoaded too,
  // loaded after this file), so ECharts measures the final height.
  document.addEventListener("DOMContentLoaded", function () { sizes(document); });
  // Fragments that htmx swaps in may carry sizes of their own.
  document.addEventListener("htmx:afterSwap", function (event) {
    sizes(event.target);
    // New suggestions may now match what was typed in full.
    if (event.target.matches("datalist")) {
      var text = document.querySelector('[list="' + event.target.id + '"]');
      if (text && text.matches("[data-reference-text]")) referencePick(text);
    }
  });
})();
