// Mail helper of a guidance page: the contractor types the values the orderer's subject format ({…}) and body
// items ask for; the subject and body are filled in and opened with one tap as a mailto: link (to, cc, subject,
// body). The data comes from the page (data-mail, esurety/site/wording.py RouteView.mail); nothing is sent anywhere.
(function () {
  "use strict";
  var PLACEHOLDER = /\{([^{}]+)\}/g;

  function fieldsOf(mail) {
    var seen = {}, out = [];
    function add(key, label) { if (!seen[label]) { seen[label] = true; out.push([key, label]); } }
    var m, re = new RegExp(PLACEHOLDER.source, "g");
    while ((m = re.exec(mail.subject || "")) !== null) add("s:" + m[1], m[1]);
    (mail.body_items || []).forEach(function (item) { add("b:" + item[0], item[1]); });
    return out;
  }

  function subjectOf(mail, values) {
    return (mail.subject || "").replace(PLACEHOLDER, function (all, name) { return values[name] || all; });
  }

  function bodyOf(mail, values, attach) {
    var lines = (mail.body_items || []).map(function (item) { return item[1] + ": " + (values[item[1]] || ""); });
    lines.push("", "添付: " + attach);
    return lines.join("\n");
  }

  function href(mail, subject, body) {
    var q = [];
    if (mail.cc && mail.cc.length) q.push("cc=" + mail.cc.map(encodeURIComponent).join(","));
    if (subject) q.push("subject=" + encodeURIComponent(subject));
    if (body) q.push("body=" + encodeURIComponent(body));
    return "mailto:" + (mail.to || "") + (q.length ? "?" + q.join("&") : "");
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function setUp(box, n) {
    var mail;
    try { mail = JSON.parse(box.getAttribute("data-mail")); } catch (e) { return; }
    var attach = box.getAttribute("data-attach") || "";
    var compose = box.querySelector(".mail-compose-body");
    var link = box.querySelector(".mail-link");
    if (!compose) return;
    compose.textContent = "";
    var values = {};
    var fields = fieldsOf(mail);
    var subjectOut = el("output", "", "mail-out"), bodyOut = el("output", "", "mail-out mail-body");
    fields.forEach(function (f, i) {
      var id = "mail-" + n + "-" + i;
      var p = compose.appendChild(el("p", "", "mail-field"));
      var label = p.appendChild(el("label", f[1]));
      label.htmlFor = id;
      var input = p.appendChild(el("input"));
      input.id = id; input.type = "text"; input.autocomplete = "off";
      input.addEventListener("input", function () { values[f[1]] = input.value.trim(); update(); });
    });
    if (mail.subject) {
      compose.appendChild(el("p", "件名", "mail-label"));
      compose.appendChild(subjectOut);
    }
    compose.appendChild(el("p", "本文", "mail-label"));
    compose.appendChild(bodyOut);
    var open = null;
    if (mail.to) {
      open = compose.appendChild(el("p")).appendChild(el("a", "この件名と本文でメールを作る", "button mail-link-filled"));
    } else {
      compose.appendChild(el("p", "宛先のメールアドレスは資料に記載がないため、メールの作成ボタンはありません。件名と本文をコピーしてお使いください。", "mail-ask"));
    }
    compose.appendChild(el("p", "添付を忘れずに: " + attach, "mail-attach"));

    function update() {
      var subject = subjectOf(mail, values), body = bodyOf(mail, values, attach);
      subjectOut.textContent = subject;
      bodyOut.textContent = body;
      if (open) open.href = href(mail, subject, body);
      if (link) link.href = href(mail, subject, body);
    }
    update();
  }

  var boxes = document.querySelectorAll(".mail-helper[data-mail]");
  for (var i = 0; i < boxes.length; i++) setUp(boxes[i], i + 1);
  if (typeof module !== "undefined" && module.exports) module.exports = { fieldsOf: fieldsOf, subjectOf: subjectOf, bodyOf: bodyOf, href: href };
})();
