// Adopter table: loose Japanese filter and sorting by start month. The table works without this.
(function () {
  "use strict";
  var box = document.getElementById("adopter-filter");
  var input = document.getElementById("adopter-q");
  var count = document.getElementById("adopter-count");
  if (!box || !input) return;
  box.hidden = false;

  // Same folding as plugins/esurety/kana.py: NFKC, lower case, katakana to hiragana,
  // small kana to full size, no spaces.
  var SMALL = "ぁぃぅぇぉっゃゅょゎゕゖ", LARGE = "あいうえおつやゆよわかけ";
  function fold(text) {
    var s = (text || "").normalize("NFKC").toLowerCase();
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0x30a1 && c <= 0x30f6 && c !== 0x30f5 && c !== 0x30f6) out += String.fromCharCode(c - 0x60);
      else if (!/\s/.test(s[i])) out += s[i];
    }
    return out.replace(/[ぁぃぅぇぉっゃゅょゎゕゖ]/g, function (ch) { return LARGE.charAt(SMALL.indexOf(ch)); });
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("table.adopters tbody tr"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".adopter-group"));

  function apply() {
    var q = fold(input.value);
    var shown = 0;
    rows.forEach(function (tr) {
      var hit = !q || tr.getAttribute("data-key").indexOf(q) !== -1;
      tr.hidden = !hit;
      if (hit) shown++;
    });
    groups.forEach(function (g) {
      g.hidden = !g.querySelector("tbody tr:not([hidden])");
    });
    count.textContent = q ? shown + " 団体が見つかりました" : "";
  }
  input.addEventListener("input", apply);

  Array.prototype.forEach.call(document.querySelectorAll("th.sort-start"), function (th) {
    var label = th.textContent;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    button.textContent = label;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      document.querySelectorAll("th.sort-start").forEach(function (h) { h.setAttribute("aria-sort", next); });
      document.querySelectorAll("table.adopters tbody").forEach(function (tbody) {
        var items = Array.prototype.slice.call(tbody.rows);
        items.sort(function (a, b) {
          var x = a.getAttribute("data-start"), y = b.getAttribute("data-start");
          return next === "ascending" ? (x < y ? -1 : x > y ? 1 : 0) : (x < y ? 1 : x > y ? -1 : 0);
        });
        items.forEach(function (tr) { tbody.appendChild(tr); });
      });
    });
  });
})();
