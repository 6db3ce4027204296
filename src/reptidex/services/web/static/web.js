// repti-web's progressive enhancement: every page works without this file.
// - data-preview="URL" on a field: as the breeder types, GET URL?field=value (plus the fields
//   named in data-preview-with) and put the answer (a partial page) into data-preview-target.
// - data-autosubmit on a select: changing it sends its form.
// - data-poll="URL" on an element: put GET URL's answer (a partial) into it now and every
//   data-poll-every seconds (default 30) while the page is visible.
(function () {
  "use strict";

  function preview(input) {
    var target = document.getElementById(input.dataset.previewTarget);
    var form = input.form;
    var timer = null;
    var asked = 0;
    function refresh() {
      var params = new URLSearchParams();
      params.set(input.name, input.value);
      (input.dataset.previewWith || "").split(" ").filter(Boolean).forEach(function (name) {
        var other = form && form.elements.namedItem(name);
        if (other) { params.set(name, other.value); }
      });
      var ask = ++asked;
      fetch(input.dataset.preview + "?" + params.toString(), {
        headers: { "X-Partial": "1" },
        credentials: "same-origin"
      }).then(function (answer) {
        return answer.ok ? answer.text() : "";
      }).then(function (html) {
        if (ask === asked && target) { target.innerHTML = html; }
      }).catch(function () { /* the form still works without the preview */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    (input.dataset.previewWith || "").split(" ").filter(Boolean).forEach(function (name) {
      var other = form && form.elements.namedItem(name);
      if (other) { other.addEventListener("change", refresh); }
    });
  }

  function poll(element) {
    var every = 1000 * (parseInt(element.dataset.pollEvery, 10) || 30);
    function refresh() {
      if (document.hidden) { return; }
      fetch(element.dataset.poll, { headers: { "X-Partial": "1" }, credentials: "same-origin" })
        .then(function (answer) { return answer.ok && !answer.redirected ? answer.text() : null; })
        .then(function (html) {
          if (html !== null && element.innerHTML !== html.trim()) { element.innerHTML = html.trim(); }
        })
        .catch(function () { /* the link still works without the count */ });
    }
    refresh();
    setInterval(refresh, every);
    document.addEventListener("visibilitychange", refresh);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(poll);
    document.querySelectorAll("[data-preview]").forEach(preview);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  });
})();
