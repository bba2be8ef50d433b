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
 *   data-search-suggestions="#id"  the list under a search box, closed by Escape or a click elsewhere
 *   <select> of more than SEARCHABLE_OPTIONS options (single or multiple, any page): a box
 *                            above it narrows the options to those containing every word typed;
 *                            Enter picks the first match (toggles it in a multiple select),
 *                            ArrowDown moves to the list, Escape clears; worded by the <body>'s
 *                            data-select-words-* (search, shown, chosen, dropped; base.html)
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
  // data-shown is the label of the value the hidden input holds (the server's, then each
  // pick's): picking a suggestion makes the text its label, and the suggestions then
  // fetched for that label may not include it (a label's "→" or "（…）" is in no name
  // searched), which must not undo the pick.
  function referencePick(text) {
    var box = text.closest("[data-reference]");
    var hidden = box && box.querySelector("[data-reference-value]");
    if (!hidden || !text.list) return;
    if (text.value.trim() === "") {
      hidden.value = "";
      text.dataset.shown = "";
      text.classList.remove("is-invalid");
      return;
    }
    var picked = Array.prototype.find.call(text.list.options, function (option) {
      return option.value === text.value;
    });
    if (picked) {
      text.dataset.shown = text.value;
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

  // Long selects are searchable. The one rule: more options than this (a short list is
  // read at a glance; references past core.references.LONGEST_SELECT are type-ahead boxes).
  var SEARCHABLE_OPTIONS = 15;
  var searchableCount = 0;

  function words(text) {
    return String(text).toLowerCase().split(/\s+/).filter(Boolean);
  }

  function wording(name, values) {
    var text = document.body.dataset["selectWords" + name] || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("%(" + key + ")s", values[key]);
    });
    return text;
  }

  function searchableSelect(select) {
    if (select.disabled || select.options.length <= SEARCHABLE_OPTIONS) return;
    if (select.hasAttribute("data-select-searchable")) return;
    select.setAttribute("data-select-searchable", "");
    if (!select.id) select.id = "searchable-select-" + (searchableCount += 1);
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = wording("Search");
    box.autocomplete = "off";
    box.setAttribute("data-select-search", select.id);
    box.setAttribute("aria-controls", select.id);
    var label = select.labels && select.labels[0];
    box.setAttribute("aria-label", (label ? label.textContent.trim() + " · " : "") + box.placeholder);
    // Shown, and said to screen readers, as the list narrows or an option is picked.
    var status = document.createElement("div");
    status.className = "form-text d-none";
    status.setAttribute("aria-live", "polite");
    status.id = select.id + "-search-status";
    box.setAttribute("aria-describedby", status.id);
    select.insertAdjacentElement("beforebegin", box);
    select.insertAdjacentElement("afterend", status);
  }

  function matching(option, wanted) {
    var text = option.textContent.toLowerCase();
    return option.value !== "" && wanted.every(function (word) { return text.indexOf(word) >= 0; });
  }

  // Hides the options that do not contain every word typed; the empty choice ("---------")
  // and, in a multiple select, the options chosen stay, so what is chosen is always seen.
  function narrow(box) {
    var select = document.getElementById(box.dataset.selectSearch);
    var wanted = words(box.value);
    var shown = 0;
    var total = 0;
    Array.prototype.forEach.call(select.options, function (option) {
      var match = matching(option, wanted);
      if (option.value !== "") total += 1;
      if (match) shown += 1;
      option.hidden = !(match || option.value === "" || (select.multiple && option.selected));
    });
    select.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
    status(select, wanted.length ? wording("Shown", { shown: shown, total: total }) : "");
  }

  function status(select, text) {
    var line = document.getElementById(select.id + "-search-status");
    if (!line) return;
    line.textContent = text;
    line.classList.toggle("d-none", !text);
  }

  // Enter picks the first option matching what was typed (a multiple select toggles it and
  // the box is cleared for the next name); with nothing typed, Enter submits as usual.
  function pick(box) {
    var select = document.getElementById(box.dataset.selectSearch);
    var wanted = words(box.value);
    if (!wanted.length) return false;
    var option = Array.prototype.find.call(select.options, function (each) {
      return matching(each, wanted);
    });
    if (!option) return true;  // nothing matches: keep the form from submitting the half-typed
    if (select.multiple) {
      option.selected = !option.selected;
      box.value = "";
    } else {
      select.value = option.value;
    }
    select.dispatchEvent(new Event("change", { bubbles: true }));
    narrow(box);
    status(select, wording(option.selected ? "Chosen" : "Dropped", {
      name: option.textContent.trim(),
    }));
    return true;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-select-search]")) narrow(event.target);
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-search]")) return;
    if (event.key === "Enter") {
      if (pick(box)) event.preventDefault();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      document.getElementById(box.dataset.selectSearch).focus();
    } else if (event.key === "Escape" && box.value) {
      event.preventDefault();
      box.value = "";
      narrow(box);
    }
  });

  // In a searchable multiple select a click toggles one option and keeps the others
  // (natively a click without Ctrl would drop every other choice).
  document.addEventListener("mousedown", function (event) {
    var option = event.target;
    if (option.tagName !== "OPTION") return;
    var select = option.closest("select[data-select-searchable]");
    if (!select || !select.multiple || select.disabled) return;
    event.preventDefault();
    option.selected = !option.selected;
    select.focus();
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });

  function searchableSelects(root) {
    if (root.matches && root.matches("select")) searchableSelect(root);  // its options swapped
    root.querySelectorAll("select").forEach(searchableSelect);
  }

  document.addEventListener("DOMContentLoaded", function () { searchableSelects(document); });

  // Before the charts are drawn (assessments.js runs on DOMContentLoaded too,
  // loaded after this file), so ECharts measures the final height.
  document.addEventListener("DOMContentLoaded", function () { sizes(document); });
  // Fragments that htmx swaps in may carry sizes of their own.
  document.addEventListener("htmx:afterSwap", function (event) {
    sizes(event.target);
    searchableSelects(event.target);
    // New suggestions may now match what was typed in full.
    if (event.target.matches("datalist")) {
      var text = document.querySelector('[list="' + event.target.id + '"]');
      if (text && text.matches("[data-reference-text]")) referencePick(text);
    }
  });
})();
