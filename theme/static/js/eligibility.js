// Eligibility check: answers decided in plugins/esurety/eligibility.py, exported as rules.json; here only looked up.
(function () {
  "use strict";
  var ISO = /^\d{4}-\d{2}-\d{2}$/;

  function at(pairs, key) {
    for (var i = 0; i < pairs.length; i++) if (pairs[i][0] === key) return i;
    return -1;
  }

  function outcome(R, k) {
    var o = R.outcomes[R.m[k]], t = function (i) { return R.texts[i]; };
    return { status: o[0], reasons: o[1].map(t), notes: o[2].map(t), submission: o[3] < 0 ? null : o[3] };
  }

  // null for an unknown choice; status "pending" when only the missing date decides
  function evaluate(R, certificate, project, stage, date) {
    if (!R || R.v !== 1) return null;
    var c = at(R.certs, certificate), p = at(R.projects, project), s = at(R.stages, stage);
    if (c < 0 || p < 0 || s < 0) return null;
    var k = ((c * R.projects.length + p) * R.stages.length + s) * 2;
    if (date && ISO.test(date)) return outcome(R, k + (date >= R.start ? 1 : 0));
    if (R.m[k] === R.m[k + 1]) return outcome(R, k);
    return { status: "pending", reasons: [], notes: [], submission: null };
  }

  if (typeof module !== "undefined" && module.exports) module.exports = { evaluate: evaluate };
  if (typeof document === "undefined") return;

  var form = document.getElementById("elig-form"), result = document.getElementById("elig-result");
  if (!form || !result) return;
  var orderer = document.getElementById("elig-orderer"), label = document.getElementById("elig-date-label");
  var box = document.getElementById("elig-submission"), R = null;
  var each = function (sel, fn) { Array.prototype.forEach.call(result.querySelectorAll(sel), fn); };
  var value = function (name) { var f = form.elements[name]; return f ? f.value : ""; };

  function list(id, items) {
    var ul = document.getElementById(id);
    ul.textContent = "";
    items.forEach(function (line) { var li = document.createElement("li"); li.textContent = line; ul.appendChild(li); });
  }

  function submission(sub) {
    box.hidden = !sub;
    if (!sub) return;
    Array.prototype.forEach.call(box.querySelectorAll("dd"), function (dd) {
      var slot = dd.getAttribute("data-slot"), text = sub[slot] || "";
      dd.textContent = "";
      if (text && (slot === "email" || slot === "url")) {
        var a = document.createElement("a");
        a.href = (slot === "email" ? "mailto:" : "") + text;
        a.textContent = text;
        dd.appendChild(a);
      } else dd.textContent = text;
      dd.hidden = dd.previousElementSibling.hidden = !text;
    });
  }

  function render() {
    var stage = value("stage") || "initial";
    if (R && label) label.textContent = R.dateLabel[stage];
    var r = R && evaluate(R, value("certificate"), value("project"), stage, value("date"));
    result.hidden = !r;
    if (!r) return;
    each("[data-status]", function (p) { p.hidden = p.getAttribute("data-status") !== r.status; });
    each('[data-slot="name"]', function (s) { s.textContent = R.name; });
    document.getElementById("elig-verdict").className = "elig-verdict elig-" + r.status.replace("_", "-");
    list("elig-reasons", r.reasons);
    list("elig-notes", r.notes);
    submission(r.submission === null ? null : R.subs[r.submission]);
  }

  function load(url, key) {
    fetch(url, { credentials: "same-origin" })
      .then(function (res) { if (!res.ok) throw new Error(res.status); return res.json(); })
      .then(function (data) { if (key() === url) { R = data; form.hidden = false; render(); } })
      .catch(function () { if (key() === url) { R = null; render(); } });
  }

  function orderUrl() {
    return orderer.value ? form.getAttribute("data-rules-base") + encodeURIComponent(orderer.value) + "/rules.json" : "";
  }

  form.addEventListener("change", function (ev) {
    if (orderer && ev.target === orderer) {
      if (orderer.value) load(orderUrl(), orderUrl); else { R = null; render(); }
    } else render();
  });
  form.addEventListener("input", render);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); render(); });

  if (orderer) {
    var wanted = new URLSearchParams(window.location.search).get("orderer");
    if (wanted) orderer.value = wanted;
    form.hidden = false;
    if (orderer.value) load(orderUrl(), orderUrl);
  } else {
    var src = form.getAttribute("data-rules-src");
    if (src) load(src, function () { return src; });
  }
})();
