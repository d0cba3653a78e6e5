// Site search over the Pagefind bundles listed in /pagefind/bundles.json (built after Pelican in shards
// of a few hundred pages, to bound the indexer's memory; see plugins/esurety/search.py): the first is
// loaded, the others merged into it, so one search and its filters cover every page.
// Results are built with DOM calls only: no inline style or script, and excerpts keep only text and <mark>.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var filterBox = document.getElementById("search-filters");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var base = form.getAttribute("data-base") || "";
  var pagefind = null;
  var timer = null;
  var serial = 0;

  // The same folding as the adopter filter (adopter-filter.js, esurety kana): NFKC (half- and full-width),
  // katakana to hiragana, small kana to full size. Readings are indexed in hiragana, so タケタ and ﾀｹﾀ find
  // たけた; the query is also searched as typed (NFKC only), so katakana words in the text still match.
  var SMALL = "ぁぃぅぇぉっゃゅょゎゕゖ", LARGE = "あいうえおつやゆよわかけ";
  function nfkc(text) {
    return (text || "").normalize("NFKC").replace(/([A-Za-z])(\d)/g, "$1 $2").trim();
  }
  function fold(text) {
    var s = nfkc(text).toLowerCase(), out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      out += (c >= 0x30a1 && c <= 0x30f4) ? String.fromCharCode(c - 0x60) : s[i];
    }
    return out.replace(/[ぁぃぅぇぉっゃゅょゎゕゖ]/g, function (ch) { return LARGE.charAt(SMALL.indexOf(ch)); });
  }
  function queries(q) {
    var a = nfkc(q), b = fold(q);
    return a === b ? [a] : [b, a];
  }

  // An orderer whose name or reading begins with the query comes first, as in the adopter filter: Pagefind
  // splits a reading such as たけたし into syllables, so its own ranking can put looser matches above 竹田市.
  // The order among the rest is Pagefind's.
  function nameFirst(data, q) {
    var folded = fold(q), typed = nfkc(q);
    function starts(d) {
      var m = d.meta || {};
      return Boolean((m.reading && fold(m.reading).indexOf(folded) === 0) ||
                     (m.name && (m.name.indexOf(typed) === 0 || fold(m.name).indexOf(folded) === 0)));
    }
    var first = [], rest = [];
    data.forEach(function (d) { (starts(d) ? first : rest).push(d); });
    return first.concat(rest);
  }

  // Copy Pagefind's excerpt HTML keeping only text and <mark>, so nothing from the index is run or styled.
  function excerpt(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var out = document.createDocumentFragment();
    Array.prototype.forEach.call(tpl.content.childNodes, function (node) {
      if (node.nodeType === 3) out.appendChild(document.createTextNode(node.textContent));
      else if (node.nodeName === "MARK") {
        var m = document.createElement("mark");
        m.textContent = node.textContent;
        out.appendChild(m);
      } else out.appendChild(document.createTextNode(node.textContent || ""));
    });
    return out;
  }

  function chosenFilters() {
    var f = {};
    selects.forEach(function (s) { if (s.value) f[s.getAttribute("data-filter")] = s.value; });
    return f;
  }

  function syncUrl(q, filters) {
    var params = new URLSearchParams();
    if (q) params.set("q", q);
    Object.keys(filters).forEach(function (k) { params.set(k, filters[k]); });
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  function render(results, data) {
    list.textContent = "";
    data.forEach(function (d) {
      var li = document.createElement("li");
      var h = document.createElement("h2");
      var a = document.createElement("a");
      a.href = d.url;
      a.textContent = (d.meta && d.meta.title) || d.url;
      h.appendChild(a);
      li.appendChild(h);
      var p = document.createElement("p");
      p.appendChild(excerpt(d.excerpt || ""));
      li.appendChild(p);
      var subs = (d.sub_results || []).filter(function (s) { return s.url !== d.url; }).slice(0, 3);
      if (subs.length) {
        var ul = document.createElement("ul");
        ul.className = "search-sub";
        subs.forEach(function (s) {
          var sli = document.createElement("li");
          var sa = document.createElement("a");
          sa.href = s.url;
          sa.textContent = s.title;
          sli.appendChild(sa);
          ul.appendChild(sli);
        });
        li.appendChild(ul);
      }
      list.appendChild(li);
    });
  }

  function run() {
    var q = input.value.trim();
    var filters = chosenFilters();
    syncUrl(q, filters);
    if (!q && !Object.keys(filters).length) { status.textContent = ""; list.textContent = ""; return Promise.resolve(); }
    var mine = ++serial;
    status.textContent = "検索しています…";
    var asked = q ? queries(q) : [null];
    return Promise.all(asked.map(function (one) { return pagefind.search(one, { filters: filters }); })).then(function (all) {
      var seen = {}, merged = [];
      all.forEach(function (r) { r.results.forEach(function (hit) { if (!seen[hit.id]) { seen[hit.id] = true; merged.push(hit); } }); });
      // the folded query's ranking first, then what only the query as typed found
      var search = { results: merged };
      var top = search.results.slice(0, 20);
      return Promise.all(top.map(function (r) { return r.data(); })).then(function (data) {
        if (mine !== serial) return;
        render(top, q ? nameFirst(data, q) : data);
        status.textContent = search.results.length
          ? search.results.length + " 件見つかりました" + (search.results.length > top.length ? "（上位 " + top.length + " 件を表示）" : "")
          : "見つかりませんでした。ひらがな・漢字を変えるか、短いことばで検索してください。";
      });
    }).catch(function () {
      if (mine === serial) status.textContent = "検索できませんでした。ページを再読み込みしてください。";
    });
  }

  function fillFilters(available) {
    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (s) {
      var name = s.getAttribute("data-filter");
      Object.keys(available[name] || {}).sort().forEach(function (value) {
        var o = document.createElement("option");
        o.value = value;
        o.textContent = value + "（" + available[name][value] + "）";
        s.appendChild(o);
      });
      if (params.get(name)) s.value = params.get(name);
    });
  }

  form.addEventListener("submit", function (ev) { ev.preventDefault(); if (pagefind) run(); });
  input.addEventListener("input", function () {
    if (!pagefind) return;
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  selects.forEach(function (s) { s.addEventListener("change", function () { if (pagefind) run(); }); });

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    var header = document.getElementById("site-q");
    if (header) header.value = initial; // the header's search box keeps the query too
  }
  status.textContent = "検索の準備をしています…";
  // The list of bundles; without it (an index built before shards) the one bundle in /pagefind/.
  function bundles() {
    return fetch(base + "/pagefind/bundles.json").then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (m) { return m.bundles; }).catch(function () { return ["/pagefind/"]; });
  }

  bundles().then(function (list) {
    return import(base + list[0] + "pagefind.js").then(function (pf) {
      var options = { baseUrl: (base || "") + "/" };
      return pf.options(options).then(function () {
        return Promise.all(list.slice(1).map(function (b) { return pf.mergeIndex(base + b, options); }));
      }).then(function () { pagefind = pf; return pf.filters(); });
    });
  }).then(function (available) {
    fillFilters(available || {});
    status.textContent = "";
    // the filters appear below the results once they are in: nothing on screen moves
    return run().then(function () { filterBox.hidden = false; });
  }).catch(function () {
    status.textContent = "検索の索引を読み込めませんでした。発注者別の案内・採用団体一覧からお探しください。";
  });
})();
