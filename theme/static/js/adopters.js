// Adopter group pages: sort the table by start month. The table is complete and readable without this.
// Each row's month is its <time datetime="YYYY-MM">; a row without one sorts as the oldest.
(function () {
  "use strict";
  function month(tr) {
    var t = tr.querySelector("time");
    return t ? t.getAttribute("datetime") : "0000-00";
  }
  Array.prototype.forEach.call(document.querySelectorAll("th.sort-start"), function (th) {
    var table = th.closest("table");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      th.setAttribute("aria-sort", next);
      Array.prototype.forEach.call(table.tBodies, function (tbody) {
        var items = Array.prototype.map.call(tbody.rows, function (tr) { return [month(tr), tr]; });
        items.sort(function (a, b) {
          var d = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
          return next === "ascending" ? d : -d;
        });
        items.forEach(function (item) { tbody.appendChild(item[1]); });
      });
    });
  });
})();
