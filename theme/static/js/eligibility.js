// Eligibility check: esurety/rules decides every case and esurety/site/eligibility.py exports rules.json;
// this script only builds the form from it and looks answers up.
(function () {
  "use strict";

  var FORMAT = 2;

  // Index of the day's interval: 0 without a date, else 1 + breakpoints on or before it (ISO strings compare as dates).
  function daySlot(R, date) {
    if (!/^\d{4}-\d\d-\d\d$/.test(date || "")) return 0;
    var n = 1;
    for (var i = 0; i < R.breaks.length; i++) if (R.breaks[i] <= date) n++;
    return n;
  }

  function word(R, pair) { return [R.texts[pair[0]], R.texts[pair[1]]]; }

  // values: {dimension: key}; null for an unknown choice or an impossible pair (an insurer's 前払金保証).
  function evaluate(R, values, date) {
    if (!R || R.v !== FORMAT) return null;
    var i = 0;
    for (var d = 0; d < R.dims.length; d++) {
      var options = R.dims[d][2], k = -1;
      for (var j = 0; j < options.length; j++) if (options[j][0] === values[R.dims[d][0]]) k = j;
      if (k < 0) return null;
      i = i * options.length + k;
    }
    var cell = R.cells[i * (R.breaks.length + 2) + daySlot(R, date)];
    if (cell === undefined || cell < 0) return null;
    var o = R.outcomes[cell];
    return {
      status: o[0],
      reasons: o[1].map(function (p) { return word(R, p); }),
      notes: o[2].map(function (p) { return word(R, p); }),
      route: o[3] < 0 ? null : o[3],
      asks: o[4].map(function (t) { return R.texts[t]; })
    };
  }

  if (typeof module !== "undefined" && module.exports) module.exports = { evaluate: evaluate, daySlot: daySlot };
  if (typeof document === "undefined") return;

  var $ = function (id) { return document.getElementById(id); };
  var form = $("elig-form"), result = $("elig-result"), orderer = $("elig-orderer");
  if (!form || !result) return;
  var R = null, current = "";
  var el = function (tag, text) { var e = document.createElement(tag); if (text) e.textContent = text; return e; };

  function build() {
    var fields = $("elig-fields"), dates = $("elig-dates");
    fields.textContent = ""; dates.textContent = "";
    if (!R) return;
    R.dims.forEach(function (dim) {
      var name = dim[0], id = "elig-" + name;
      if (name === "contract_stages") {
        var fs = fields.appendChild(el("fieldset")); fs.appendChild(el("legend", dim[1]));
        dim[2].forEach(function (opt, n) {
          var label = fs.appendChild(el("label")); label.className = "elig-radio";
          var input = label.appendChild(el("input")); input.type = "radio"; input.name = name; input.value = opt[0];
          input.checked = n === 0;
          label.appendChild(document.createTextNode(" " + opt[1]));
        });
        return;
      }
      var p = fields.appendChild(el("p")), label = p.appendChild(el("label", dim[1]));
      label.htmlFor = id;
      var select = p.appendChild(el("select")); select.id = id; select.name = name;
      dim[2].forEach(function (opt) { var o = select.appendChild(el("option", opt[1])); o.value = opt[0]; });
    });
    R.dateInputs.forEach(function (input, n) {
      var p = dates.appendChild(el("p")), label = p.appendChild(el("label", input[1]));
      label.htmlFor = "elig-date-" + n; label.id = "elig-date-label-" + n;
      var field = p.appendChild(el("input")); field.type = "date"; field.id = "elig-date-" + n; field.name = "date";
    });
    if (R.dateInputs.length > 1) dates.appendChild(el("p", "どちらか、案件にある方の日付を入力してください。")).className = "hint";
  }

  function values() {
    var out = {};
    R.dims.forEach(function (dim) {
      var f = form.elements[dim[0]];
      out[dim[0]] = f ? f.value : "";
    });
    return out;
  }

  function date() {
    var found = "";
    Array.prototype.forEach.call(form.querySelectorAll('input[name="date"]'), function (f) { if (!found && f.value) found = f.value; });
    return found;
  }

  function list(ul, items) {
    ul.textContent = "";
    items.forEach(function (pair) {
      var li = ul.appendChild(el("li", pair[0]));
      if (pair[1]) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("small", pair[1])).className = "provenance"; }
    });
  }

  function render() {
    var v = R && values();
    if (R && R.dateInputs.length === 1) {
      var change = v.contract_stages === "change";
      $("elig-date-label-0").textContent = R.dateLabels[change ? "change" : "initial"];
    }
    var r = R && evaluate(R, v, date());
    result.hidden = !r;
    if (!r) return;
    var verdict = $("elig-verdict");
    verdict.textContent = R.name + ": " + R.verdicts[r.status];
    verdict.className = "elig-verdict elig-" + r.status.replace("_", "-");
    list($("elig-reasons"), r.reasons);
    list($("elig-notes"), r.notes);
    var asks = $("elig-asks");
    asks.hidden = !r.asks.length;
    asks.textContent = r.asks.length ? "確認先: " + r.asks.join("、") : "";
    var route = r.route === null || r.status === "not_applies" ? null : R.routes[r.route], box = $("elig-submission");
    box.hidden = !route;
    if (!route) return;
    var dl = $("elig-route"), names = { methods: "方法", recipient: "提出先", email: "メールアドレス", cc: "CC", subject: "件名",
      body_items: "本文に書くこと", url: "URL", documents: "送るもの", printout: "印刷したもの", timing: "時期", note: "補足" };
    dl.textContent = "";
    Object.keys(names).forEach(function (key) {
      var text = route.fields[key];
      if (!text) return;
      dl.appendChild(el("dt", names[key]));
      var dd = dl.appendChild(el("dd"));
      if (route.links[key]) { var a = dd.appendChild(el("a", text)); a.href = route.links[key]; } else dd.textContent = text;
    });
    $("elig-route-prov").textContent = route.provenance;
  }

  function load(url) {
    current = url;
    if (!url) { R = null; build(); render(); return; }
    fetch(url, { credentials: "same-origin" })
      .then(function (res) { if (!res.ok) throw new Error(res.status); return res.json(); })
      .then(function (data) { if (current === url) { R = data.v === FORMAT ? data : null; build(); form.hidden = !R && !orderer; render(); } })
      .catch(function () { if (current === url) { R = null; build(); render(); } });
  }

  function chosen() {
    return orderer.value ? form.getAttribute("data-rules-base") + encodeURIComponent(orderer.value) + "/rules.json" : "";
  }

  form.addEventListener("change", function (ev) { if (orderer && ev.target === orderer) load(chosen()); else render(); });
  form.addEventListener("input", render);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); render(); });
  if (orderer) {
    orderer.value = new URLSearchParams(location.search).get("orderer") || orderer.value;
    form.hidden = false;
    load(chosen());
  } else load(form.getAttribute("data-rules-src"));
})();
