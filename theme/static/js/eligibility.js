// Eligibility check: plugins/esurety/eligibility.py decides and exports rules.json; this only looks answers up.
(function () {
  "use strict";

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
    if (/^\d{4}-\d\d-\d\d$/.test(date || "")) return outcome(R, k + (date >= R.start ? 1 : 0));
    if (R.m[k] === R.m[k + 1]) return outcome(R, k);
    return { status: "pending", reasons: [], notes: [], submission: null };
  }

  if (typeof module !== "undefined" && module.exports) module.exports = { evaluate: evaluate };
  if (typeof document === "undefined") return;

  var $ = function (id) { return document.getElementById(id); };
  var form = $("elig-form"), result = $("elig-result"), orderer = $("elig-orderer"), box = $("elig-submission");
  if (!form || !result) return;
  var R = null, current = "";
  var value = function (name) { var f = form.elements[name]; return f ? f.value : ""; };
  var each = function (el, sel, fn) { Array.prototype.forEach.call(el.querySelectorAll(sel), fn); };

  function list(id, items) {
    var ul = $(id);
    ul.textContent = "";
    items.forEach(function (line) { ul.appendChild(document.createElement("li")).textContent = line; });
  }

  function render() {
    var stage = value("stage") || "initial";
    if (R) $("elig-date-label").textContent = R.dateLabel[stage];
    var r = R && evaluate(R, value("certificate"), value("project"), stage, value("date"));
    result.hidden = !r;
    if (!r) return;
    each(result, "[data-status]", function (el) { el.hidden = el.getAttribute("data-status") !== r.status; });
    each(result, '[data-slot="name"]', function (el) { el.textContent = R.name; });
    $("elig-verdict").className = "elig-verdict elig-" + r.status.replace("_", "-");
    list("elig-reasons", r.reasons);
    list("elig-notes", r.notes);
    var sub = r.submission === null ? null : R.subs[r.submission];
    box.hidden = !sub;
    if (sub) each(box, "dd", function (dd) {
      var slot = dd.getAttribute("data-slot"), text = sub[slot] || "";
      dd.textContent = "";
      if (text && (slot === "email" || slot === "url")) {
        var a = dd.appendChild(document.createElement("a"));
        a.href = (slot === "email" ? "mailto:" : "") + text;
        a.textContent = text;
      } else dd.textContent = text;
      dd.hidden = dd.previousElementSibling.hidden = !text;
    });
  }

  function load(url) {
    current = url;
    if (!url) { R = null; render(); return; }
    fetch(url, { credentials: "same-origin" })
      .then(function (res) { if (!res.ok) throw new Error(res.status); return res.json(); })
      .then(function (data) { if (current === url) { R = data; form.hidden = false; render(); } })
      .catch(function () { if (current === url) { R = null; render(); } });
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
