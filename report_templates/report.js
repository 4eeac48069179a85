/* Findings explorer and small enhancements. The report reads fully without this script. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var PAGE = 1000;  // rows shown at once: keeps layout cheap with 10,000+ findings
  var limit = PAGE;
  var count = document.getElementById("findings-count");
  var more = document.getElementById("findings-more");
  var ids = ["f-sev", "f-status", "f-check", "f-provider", "f-kind", "f-control"];
  var keys = ["sev", "status", "check", "provider", "kind"];
  var search = document.getElementById("f-search");

  function value(id) { return document.getElementById(id).value; }

  function textOf(row) {
    if (row._t === undefined) { row._t = row.textContent.toLowerCase(); }
    return row._t;
  }

  function apply() {
    var wanted = ids.map(value);
    var control = wanted[5] ? " " + wanted[5] + " " : "";
    var q = search.value.trim().toLowerCase();
    var terms = q ? q.split(/\s+/) : [];
    var matched = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i], d = row.dataset, ok = true;
      for (var k = 0; k < keys.length && ok; k++) {
        if (wanted[k] && d[keys[k]] !== wanted[k]) { ok = false; }
      }
      if (ok && control && (" " + d.controls + " ").indexOf(control) < 0) { ok = false; }
      if (ok && terms.length) {
        var t = textOf(row);
        for (var j = 0; j < terms.length; j++) { if (t.indexOf(terms[j]) < 0) { ok = false; break; } }
      }
      var show = ok && matched < limit;
      if (ok) { matched++; }
      if (row.hidden === show) { row.hidden = !show; }
    }
    var shown = Math.min(matched, limit);
    count.textContent = shown + " shown of " + matched + " matching (" + rows.length + " results)";
    more.hidden = matched <= limit;
    more.textContent = "Show all " + matched;
  }

  var timer = 0;
  function later() { clearTimeout(timer); timer = setTimeout(function () { limit = PAGE; apply(); }, 120); }
  ids.forEach(function (id) { document.getElementById(id).addEventListener("change", function () { limit = PAGE; apply(); }); });
  search.addEventListener("input", later);
  more.addEventListener("click", function () { limit = rows.length; apply(); });
  document.getElementById("f-reset").addEventListener("click", function () {
    ids.forEach(function (id) { document.getElementById(id).value = ""; });
    search.value = ""; limit = PAGE; apply();
  });

  var direction = {};
  Array.prototype.forEach.call(table.querySelectorAll("th button.sort"), function (btn) {
    btn.addEventListener("click", function () {
      var key = btn.getAttribute("data-key");
      var dir = direction[key] = -(direction[key] || 1);
      var numeric = key === "rank";
      rows.sort(function (a, b) {
        var x = a.dataset[key], y = b.dataset[key];
        if (numeric) { return dir * (Number(x) - Number(y)); }
        return dir * (x < y ? -1 : x > y ? 1 : 0);
      });
      var frag = document.createDocumentFragment();
      rows.forEach(function (r) { frag.appendChild(r); });
      tbody.appendChild(frag);
      apply();
    });
  });

  // "Show these findings" in a control's drill-down narrows the explorer to that control.
  Array.prototype.forEach.call(document.querySelectorAll("button[data-control]"), function (btn) {
    btn.addEventListener("click", function () {
      ids.forEach(function (id) { document.getElementById(id).value = ""; });
      search.value = "";
      var select = document.getElementById("f-control");
      select.value = btn.getAttribute("data-control");
      limit = PAGE; apply();
      document.getElementById("findings-section").scrollIntoView();
    });
  });

  // Printing: open every control's drill-down so "Save as PDF" keeps the evidence.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.controls details"), function (d) { d.open = true; });
  });

  apply();
  document.documentElement.setAttribute("data-ready", "1");
})();
