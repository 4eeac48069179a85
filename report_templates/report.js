/* Findings explorer: rows come from the JSON island #findings-data and are rendered a page at a
   time, so 10,000+ findings stay fast. Everything is set with textContent: names stay text.
   Without this script the report still reads fully (the <noscript> table lists the findings). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var island = document.getElementById("findings-data");
  var table = document.getElementById("findings-table");
  if (!island || !table) { return; }
  var data = JSON.parse(island.textContent);
  var SEVS = ["info", "low", "medium", "high", "critical"];
  var PAGE = 200;
  var R = { rank: 0, status: 1, check: 2, provider: 3, kind: 4, name: 5, where: 6, message: 7, tags: 8, controls: 9 };
  var rows = data.rows;
  var order = rows.map(function (_, i) { return i; });
  var texts = null;  // lower-cased search text per row, built on first search
  var limit = PAGE;
  var tbody = table.tBodies[0];
  var count = document.getElementById("findings-count");
  var more = document.getElementById("findings-more");
  var search = document.getElementById("f-search");
  var selects = {
    sev: document.getElementById("f-sev"), status: document.getElementById("f-status"),
    check: document.getElementById("f-check"), provider: document.getElementById("f-provider"),
    kind: document.getElementById("f-kind"), control: document.getElementById("f-control")
  };

  function indexIn(list, value) { return value === "" ? -1 : list.indexOf(value); }

  function text(i) {
    if (!texts) {
      texts = rows.map(function (r) {
        return [SEVS[r[R.rank]], data.statuses[r[R.status]], data.checks[r[R.check]], data.providers[r[R.provider]],
                data.kinds[r[R.kind]], r[R.name], r[R.where], r[R.message], r[R.tags]].join(" ").toLowerCase();
      });
    }
    return texts[i];
  }

  function cell(tr, value, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = value;
    tr.appendChild(td);
    return td;
  }

  function badge(td, value) {
    td.textContent = "";
    var span = document.createElement("span");
    span.className = "badge b-" + value;
    span.textContent = value;
    td.appendChild(span);
  }

  function renderRow(r) {
    var tr = document.createElement("tr");
    var sev = SEVS[r[R.rank]], status = data.statuses[r[R.status]], check = data.checks[r[R.check]];
    tr.dataset.rank = r[R.rank]; tr.dataset.sev = sev; tr.dataset.status = status; tr.dataset.check = check;
    tr.dataset.provider = data.providers[r[R.provider]]; tr.dataset.kind = data.kinds[r[R.kind]];
    tr.dataset.controls = r[R.controls].map(function (c) { return data.controls[c]; }).join(" ");
    badge(cell(tr, ""), sev);
    badge(cell(tr, ""), status);
    var checkCell = cell(tr, "");
    var link = document.createElement("a");
    link.href = "#check-" + check;
    var code = document.createElement("code");
    code.textContent = check;
    link.appendChild(code);
    checkCell.appendChild(link);
    var res = cell(tr, r[R.name]);
    if (r[R.tags]) {
      var tags = document.createElement("span");
      tags.className = "tags";
      r[R.tags].split("\u001f").forEach(function (t) {
        var s = document.createElement("span"); s.textContent = t; tags.appendChild(s);
      });
      res.appendChild(tags);
    }
    cell(tr, r[R.where], "mono");
    cell(tr, r[R.message]);
    return tr;
  }

  function apply() {
    var started = performance.now();
    var sev = indexIn(SEVS, selects.sev.value), status = indexIn(data.statuses, selects.status.value);
    var check = indexIn(data.checks, selects.check.value), provider = indexIn(data.providers, selects.provider.value);
    var kind = indexIn(data.kinds, selects.kind.value), control = indexIn(data.controls, selects.control.value);
    var q = search.value.trim().toLowerCase();
    var terms = q ? q.split(/\s+/) : [];
    var frag = document.createDocumentFragment();
    var matched = 0;
    for (var n = 0; n < order.length; n++) {
      var i = order[n], r = rows[i];
      if ((sev >= 0 && r[R.rank] !== sev) || (status >= 0 && r[R.status] !== status) ||
          (check >= 0 && r[R.check] !== check) || (provider >= 0 && r[R.provider] !== provider) ||
          (kind >= 0 && r[R.kind] !== kind) || (control >= 0 && r[R.controls].indexOf(control) < 0)) { continue; }
      if (terms.length) {
        var t = text(i), ok = true;
        for (var j = 0; j < terms.length; j++) { if (t.indexOf(terms[j]) < 0) { ok = false; break; } }
        if (!ok) { continue; }
      }
      if (matched < limit) { frag.appendChild(renderRow(r)); }
      matched++;
    }
    tbody.textContent = "";
    tbody.appendChild(frag);
    count.textContent = Math.min(matched, limit) + " shown of " + matched + " matching (" + rows.length + " results" +
      (data.omitted ? " in this report; " + data.omitted + " more in the CSV and JSON exports)" : ")");
    more.hidden = matched <= limit;
    more.textContent = "Show " + Math.min(PAGE, matched - limit) + " more";
    count.setAttribute("data-ms", (performance.now() - started).toFixed(1));  // for the benchmark
  }

  function reset() { limit = PAGE; apply(); }
  var timer = 0;
  Object.keys(selects).forEach(function (k) { selects[k].addEventListener("change", reset); });
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(reset, 120); });
  more.addEventListener("click", function () { limit += PAGE; apply(); });
  document.getElementById("f-reset").addEventListener("click", function () {
    Object.keys(selects).forEach(function (k) { selects[k].value = ""; });
    search.value = ""; reset();
  });

  var direction = {};
  var KEYS = { rank: R.rank, status: R.status, check: R.check, name: R.name, where: R.where };
  Array.prototype.forEach.call(table.querySelectorAll("th button.sort"), function (btn) {
    btn.addEventListener("click", function () {
      var key = btn.getAttribute("data-key"), col = KEYS[key];
      var dir = direction[key] = -(direction[key] || 1);
      var names = key === "status" ? data.statuses : key === "check" ? data.checks : null;
      order.sort(function (a, b) {
        var x = rows[a][col], y = rows[b][col];
        if (names) { x = names[x]; y = names[y]; }
        return dir * (x < y ? -1 : x > y ? 1 : 0) || a - b;
      });
      reset();
    });
  });

  // "Show these findings" in a control's drill-down narrows the explorer to that control.
  Array.prototype.forEach.call(document.querySelectorAll("button[data-control]"), function (btn) {
    btn.addEventListener("click", function () {
      Object.keys(selects).forEach(function (k) { selects[k].value = ""; });
      search.value = "";
      selects.control.value = btn.getAttribute("data-control");
      reset();
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
