/* meetcheck batch dashboard: sort, filter and expand rows already in the page.
   Plain ES2017, no modules, no network: it works opened from file://. */
(function () {
  "use strict";
  var rows = JSON.parse(document.getElementById("dashboard-data").textContent);
  /* The page's own texts, translated with the page: {shown} is filled in here. */
  var words = JSON.parse(document.getElementById("dashboard-words").textContent);
  var table = document.getElementById("speakers");
  var noMatch = document.getElementById("no-match");
  var count = document.getElementById("count");
  var statusSel = document.getElementById("f-status");
  var textIn = document.getElementById("f-text");
  var openOnly = document.getElementById("f-open");
  var collator = new Intl.Collator(document.documentElement.lang || undefined,
                                   {numeric: true, sensitivity: "base"});

  /* Search ignores case and accents: "elodie" finds "Élodie". */
  function fold(s) {
    return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLocaleLowerCase();
  }
  rows.forEach(function (r) {
    r.body = document.getElementById(r.id);
    r.haystack = fold([r.delegation, r.name, r.email].join("\n"));
  });

  function compare(key, a, b) {
    var x = a[key], y = b[key];
    var c = (typeof x === "number" && typeof y === "number") ? x - y : collator.compare(x, y);
    return c || a.row - b.row;
  }

  function sortBy(th) {
    var key = th.getAttribute("data-key");
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    table.querySelectorAll("thead th[data-key]").forEach(function (h) {
      h.removeAttribute("aria-sort");
      h.querySelector(".arrow").textContent = "";
    });
    th.setAttribute("aria-sort", dir);
    th.querySelector(".arrow").textContent = dir === "ascending" ? "\u25b2" : "\u25bc";
    var sign = dir === "ascending" ? 1 : -1;
    var sorted = document.createDocumentFragment();  /* one move into the table, one layout */
    rows.slice().sort(function (a, b) { return sign * compare(key, a, b); })
      .forEach(function (r) { sorted.appendChild(r.body); });
    table.insertBefore(sorted, noMatch);
  }

  function applyFilters() {
    var status = statusSel.value, needle = fold(textIn.value.trim()), shown = 0;
    rows.forEach(function (r) {
      var ok = (!status || r.body.getAttribute("data-status") === status) &&
               (!openOnly.checked || r.body.getAttribute("data-status") !== "ready") &&
               (!needle || r.haystack.indexOf(needle) !== -1);
      r.body.hidden = !ok;
      if (ok) { shown += 1; }
    });
    noMatch.hidden = shown !== 0;
    count.textContent = words.shown.replace("{shown}", String(shown));
  }

  table.querySelectorAll("thead th[data-key] button.sort").forEach(function (b) {
    b.addEventListener("click", function () { sortBy(b.parentNode); });
  });
  table.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.expand");
    if (!b) { return; }
    var open = b.getAttribute("aria-expanded") !== "true";
    b.setAttribute("aria-expanded", String(open));
    document.getElementById(b.getAttribute("aria-controls")).hidden = !open;
  });
  statusSel.addEventListener("change", applyFilters);
  textIn.addEventListener("input", applyFilters);
  openOnly.addEventListener("change", applyFilters);
  statusSel.form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  applyFilters();  /* a reload may keep the form's previous values */
}());
