/* Spreadsheet import pages (aidtrack/core/imports/views.py), driven by data-* attributes:
 *   data-template-for="id" data-template-pattern="…/__model__.xlsx"
 *       a link to the template of the record type chosen in the <select id="id">
 *   data-import-poll="url"
 *       a running job: its state is fetched from url every second, the bar
 *       (data-import-bar) and the words (data-import-progress) follow it, and
 *       the page reloads when the job is done. The state is the server's, so a
 *       reload or a second tab shows the same.
 * The server words the progress in the page's language (progress_text). */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var RETRY_MS = 5000;

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.id) return;
    var link = document.querySelector('[data-template-for="' + select.id + '"]');
    if (!link) return;
    if (select.value) {
      link.href = link.dataset.templatePattern.replace("__model__", encodeURIComponent(select.value));
      link.classList.remove("d-none");
    } else {
      link.classList.add("d-none");
    }
  });

  function show(element, state) {
    var bar = element.querySelector("[data-import-bar]");
    var words = element.querySelector("[data-import-progress]");
    var known = state.percent !== null && state.percent !== undefined;
    if (bar) {
      bar.style.width = (known ? state.percent : 100) + "%";
      bar.classList.toggle("progress-bar-striped", !known);
      bar.classList.toggle("progress-bar-animated", !known);
      if (known) bar.parentElement.setAttribute("aria-valuenow", state.percent);
      else bar.parentElement.removeAttribute("aria-valuenow");
    }
    if (words) words.textContent = state.progress_text;
  }

  function follow(element) {
    var url = element.dataset.importPoll;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (state) {
          if (state.finished) {
            window.location.reload();
            return;
          }
          show(element, state);
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          // The server or the network is away for a moment: try again, more slowly.
          window.setTimeout(poll, RETRY_MS);
        });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-import-poll]").forEach(follow);
  });
})();
