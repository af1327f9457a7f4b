/* crowdpulse report: sortable and filterable tables, drill-down to example posts.
   Plain JavaScript, no library; everything it needs is in the page. */
(function () {
  "use strict";
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) { return numeric ? -Infinity : ""; }
    if (numeric) {
      var v = parseFloat(cell.getAttribute("data-sort"));
      return isNaN(v) ? -Infinity : v;
    }
    return cell.textContent.trim().toLowerCase();
  }
  function sortTable(table, index, button) {
    var th = button.closest("th");
    var numeric = th.getAttribute("data-type") === "num";
    var current = th.getAttribute("aria-sort");
    var ascending = current !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.__order = i; });
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      var c = x < y ? -1 : x > y ? 1 : a.__order - b.__order;
      return ascending ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  function filterTable(table, text) {
    var needle = text.trim().toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) < 0;
    });
  }
  var data = {};
  try {
    data = JSON.parse(document.getElementById("drill-data").textContent || "{}");
  } catch (e) { data = {}; }
  var panel = document.getElementById("drill");
  var opener = null;
  function drill(key, from) {
    var item = data[key];
    if (!item || !panel) { return false; }
    opener = from || document.activeElement;
    document.getElementById("drill-title").textContent = item.title;
    document.getElementById("drill-note").textContent = item.note;
    var list = document.getElementById("drill-posts");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    item.posts.forEach(function (p) {
      var li = document.createElement("li");
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = p.time + (p.label ? " · " + p.label : "");
      var text = document.createElement("span");
      text.className = "text";
      text.textContent = p.text;
      li.appendChild(meta);
      li.appendChild(text);
      list.appendChild(li);
    });
    if (!item.posts.length) {
      var none = document.createElement("li");
      none.textContent = "No post.";
      list.appendChild(none);
    }
    panel.hidden = false;
    document.getElementById("drill-close").focus();
    return true;
  }
  window.crowdpulseDrill = drill;
  window.crowdpulseDrillKeys = function () { return Object.keys(data); };
  function closeDrill() {
    panel.hidden = true;
    if (opener && opener.focus) { opener.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      Array.prototype.forEach.call(table.querySelectorAll("thead button.sort"), function (b) {
        var index = b.closest("th").cellIndex;
        b.addEventListener("click", function () { sortTable(table, index, b); });
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), function (input) {
      var table = input.closest(".table-wrap").querySelector("table");
      input.addEventListener("input", function () { filterTable(table, input.value); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-drill]"), function (el) {
      el.addEventListener("click", function () { drill(el.getAttribute("data-drill"), el); });
      el.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); drill(el.getAttribute("data-drill"), el); }
      });
    });
    if (panel) {
      document.getElementById("drill-close").addEventListener("click", closeDrill);
      document.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && !panel.hidden) { closeDrill(); }
      });
    }
  });
})();
