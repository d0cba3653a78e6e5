// Eligibility check. The rules are decided in Python (plugins/esurety/eligibility.py) and exported as a
// table of answers; this script only looks the answer up and compares one date. Without it, the page
// shows the same rules as a table. tests/features runs `evaluate` in Node against the Python side.
(function () {
  "use strict";

  var FORMAT = 1;
  var ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

  function indexOf(pairs, key) {
    for (var i = 0; i < pairs.length; i++) if (pairs[i][0] === key) return i;
    return -1;
  }

  function outcome(rules, k) {
    var o = rules.outcomes[rules.m[k]];
    var text = function (i) { return rules.texts[i]; };
    return { status: o[0], reasons: o[1].map(text), notes: o[2].map(text), submission: o[3] < 0 ? null : o[3] };
  }

  // The answer for one case, or null when a choice is unknown. Without a date, the answer is known only
  // when it is the same before and after the start; otherwise {status: "pending"}.
  function evaluate(rules, certificate, project, stage, date) {
    if (!rules || rules.v !== FORMAT) return null;
    var c = indexOf(rules.certs, certificate), p = indexOf(rules.projects, project), s = indexOf(rules.stages, stage);
    if (c < 0 || p < 0 || s < 0) return null;
    var base = ((c * rules.projects.length + p) * rules.stages.length + s) * 2;
    if (date && ISO_DATE.test(date)) return outcome(rules, base + (date >= rules.start ? 1 : 0));
    if (rules.m[base] === rules.m[base + 1]) return outcome(rules, base);
    return { status: "pending", reasons: [], notes: [], submission: null };
  }

  if (typeof module !== "undefined" && module.exports) module.exports = { evaluate: evaluate };
  if (typeof document === "undefined") return;

  var form = document.getElementById("elig-form");
  var result = document.getElementById("elig-result");
  if (!form || !result) return;
  var orderer = document.getElementById("elig-orderer");
  var dateLabel = document.getElementById("elig-date-label");
  var cache = {};
  var rules = null;

  function embedded() {
    var el = document.getElementById("eligibility-rules");
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function value(name) {
    var field = form.elements[name];  // a select, an input or a RadioNodeList: all have .value
    return field ? field.value : "";
  }

  function fillList(list, items) {
    list.textContent = "";
    items.forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line;
      list.appendChild(li);
    });
  }

  function fillSubmission(sub) {
    var box = document.getElementById("elig-submission");
    box.hidden = !sub;
    if (!sub) return;
    Array.prototype.forEach.call(box.querySelectorAll("dd[data-slot]"), function (dd) {
      var slot = dd.getAttribute("data-slot");
      var text = sub[slot] || "";
      dd.textContent = "";
      if (text && (slot === "email" || slot === "url")) {
        var a = document.createElement("a");
        a.href = (slot === "email" ? "mailto:" : "") + text;
        a.textContent = text;
        dd.appendChild(a);
      } else {
        dd.textContent = text;
      }
      dd.hidden = !text;
      box.querySelector('dt[data-slot="' + slot + '"]').hidden = !text;
    });
  }

  function render() {
    if (!rules) { result.hidden = true; return; }
    var stage = value("stage") || "initial";
    if (dateLabel && rules.dateLabel[stage]) dateLabel.textContent = rules.dateLabel[stage];
    var r = evaluate(rules, value("certificate"), value("project"), stage, value("date"));
    if (!r) { result.hidden = true; return; }
    result.hidden = false;
    Array.prototype.forEach.call(result.querySelectorAll("[data-status]"), function (p) {
      p.hidden = p.getAttribute("data-status") !== r.status;
    });
    Array.prototype.forEach.call(result.querySelectorAll('[data-slot="name"]'), function (s) {
      s.textContent = rules.name;
    });
    fillList(document.getElementById("elig-reasons"), r.reasons);
    fillList(document.getElementById("elig-notes"), r.notes);
    fillSubmission(r.submission === null ? null : rules.subs[r.submission]);
  }

  function load(slug) {
    if (!slug) { rules = null; render(); return; }
    if (cache[slug]) { rules = cache[slug]; render(); return; }
    var url = form.getAttribute("data-rules-base") + encodeURIComponent(slug) + "/rules.json";
    fetch(url, { credentials: "same-origin" })
      .then(function (res) { if (!res.ok) throw new Error(res.status); return res.json(); })
      .then(function (data) { cache[slug] = data; if (orderer.value === slug) { rules = data; render(); } })
      .catch(function () { rules = null; render(); });
  }

  form.addEventListener("change", function (ev) {
    if (orderer && ev.target === orderer) load(orderer.value); else render();
  });
  form.addEventListener("input", render);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); render(); });

  if (orderer) {
    var wanted = new URLSearchParams(window.location.search).get("orderer");
    if (wanted) orderer.value = wanted;
    load(orderer.value);
  } else {
    rules = embedded();
    if (!rules) return;
  }
  form.hidden = false;
  render();
})();
