// Adopter index: find any orderer by name or reading, loosely (竹田, たけた, タケタ, ﾀｹﾀ → 竹田市).
// The rows come from the open-data JSON (data-src), fetched once, when someone first types: the index
// itself lists only the groups, so it stays light. Without JS the groups table and pages are the list.
(function () {
  "use strict";
  var box = document.getElementById("adopter-filter");
  var input = document.getElementById("adopter-q");
  var count = document.getElementById("adopter-count");
  var wrap = document.getElementById("adopter-results");
  if (!box || !input || !count || !wrap || !window.fetch) return;
  var tbody = wrap.querySelector("tbody");
  var LIMIT = 100; // a one-letter query can match hundreds of rows: show the first ones and say so
  box.hidden = false;

  // Same folding as plugins/esurety/kana.py: NFKC, lower case, katakana to hiragana,
  // small kana to full size, no spaces.
  var SMALL = "ぁぃぅぇぉっゃゅょゎゕゖ", LARGE = "あいうえおつやゆよわかけ";
  function fold(text) {
    var s = (text || "").normalize("NFKC").toLowerCase();
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0x30a1 && c <= 0x30f4) out += String.fromCharCode(c - 0x60);
      else if (!/\s/.test(s[i])) out += s[i];
    }
    return out.replace(/[ぁぃぅぇぉっゃゅょゎゕゖ]/g, function (ch) { return LARGE.charAt(SMALL.indexOf(ch)); });
  }

  var rows = null, loading = null;
  function load() {
    if (!loading) {
      loading = fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (doc) {
          rows = doc.adopters.map(function (a) {
            // also the spellings the sources used (資料の表記は「すまみ町」), kept in each row's note
            var spelled = [];
            (a.note || "").replace(/資料の表記は「([^」]+)」/g, function (all, s) { spelled.push(s); return all; });
            return { a: a, key: fold(a.name + (a.reading || "") + (a.prefecture || "") + spelled.join("")) };
          });
        })
        .catch(function (err) { loading = null; throw err; });
    }
    return loading;
  }

  function cell(tr, tag, text) {
    var c = document.createElement(tag);
    if (text !== undefined) c.textContent = text;
    tr.appendChild(c);
    return c;
  }

  function row(a) {
    var tr = document.createElement("tr");
    var th = cell(tr, "th");
    th.scope = "row";
    var link = document.createElement("a");
    link.href = a.page_url || a.group_url;
    link.textContent = a.name;
    th.appendChild(link);
    if (a.reading) {
      var reading = document.createElement("span");
      reading.className = "reading";
      reading.textContent = a.reading;
      th.appendChild(reading);
    }
    cell(tr, "td", a.prefecture || "—");
    cell(tr, "td", a.kind_label);
    cell(tr, "td", a.start_label || "記載なし");
    cell(tr, "td", a.guarantor_labels.join("、"));
    var status = document.createElement("span");
    status.className = "status status-" + a.status;
    status.textContent = a.status_label;
    cell(tr, "td").appendChild(status);
    return tr;
  }

  function apply() {
    var q = fold(input.value);
    if (!q) {
      wrap.hidden = true;
      count.textContent = "";
      return;
    }
    if (!rows) {
      count.textContent = "一覧を読み込んでいます…";
      load().then(apply, function () {
        count.textContent = "一覧を読み込めませんでした。下の区分・都道府県の表からお探しください。";
      });
      return;
    }
    var hits = rows.filter(function (r) { return r.key.indexOf(q) !== -1; });
    var shown = hits.slice(0, LIMIT);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (r) { fragment.appendChild(row(r.a)); });
    tbody.textContent = "";
    tbody.appendChild(fragment);
    wrap.hidden = !hits.length;
    if (!hits.length) { count.textContent = box.getAttribute("data-empty") || "この一覧には見つかりませんでした。"; return; }
    count.textContent = hits.length + " 団体が見つかりました" +
      (hits.length > shown.length ? "（最初の " + shown.length + " 団体を表示）" : "");
  }
  input.addEventListener("input", apply);
  if (input.value) apply(); // the browser restored the box's text (back button)
})();
