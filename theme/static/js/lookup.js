/* The certificate lookup, enhanced: fill the form from a key notice's QR code, ask the lookup function
   with fetch and show the certificate in place. Without JavaScript the form posts normally and the
   function answers with a printable page; this file only makes that quicker.

   - The QR code opens /lookup/#n=<number>&k=<key>. A URL fragment is never sent to a server; the form
     is filled from it and the fragment is removed from the address bar and the history entry.
   - The request is a plain POST, exactly like the form's own: CloudFront passes /api/* to an HTTP API
     and adds the origin secret itself, so nothing has to be signed or hashed here.
   - Only the function's own answers (they carry "status") are shown as they are; anything else in
     front of it (a rate limit, a gateway error) gets this file's Japanese message for its status.
   - On pages the function renders, this file only switches on the print button. */
(function () {
  "use strict";

  var FIELDS = ["guarantee_number", "access_key"];
  var LABELS = { guarantee_number: "保証契約番号", access_key: "認証キー" };
  var GENERIC = {
    429: "照会の失敗が続いたため、しばらく照会できません。時間をおいてもう一度お試しください。",
    503: "ただいま照会を受け付けられません。少し時間をおいて、もう一度お試しください。",
    network: "通信できませんでした。インターネットへの接続を確かめて、もう一度お試しください。",
    other: "照会できませんでした。時間をおいて、もう一度お試しください。"
  };

  function enablePrint(root) {
    var buttons = root.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  }

  function status(form, message, info) {
    var region = form.querySelector(".lookup-status");
    if (!region) { return; }
    region.classList.toggle("is-info", Boolean(info));
    region.textContent = message || "";
  }

  function fieldError(form, name, message) {
    var input = form.elements[name];
    var error = form.querySelector("#" + name + "-error");
    if (error) { error.textContent = message || ""; }
    if (input) {
      if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      var field = input.closest(".lookup-field");
      if (field) { field.classList.toggle("lookup-field--error", Boolean(message)); }
    }
  }

  function clearErrors(form) {
    FIELDS.forEach(function (name) { fieldError(form, name, ""); });
    status(form, "");
  }

  function fillFromFragment(form) {
    if (!window.location.hash || window.location.hash.length < 2) { return; }
    var params = new URLSearchParams(window.location.hash.slice(1));
    var number = params.get("n");
    var key = params.get("k");
    if (number === null && key === null) { return; }
    // Take the key out of the address bar and the history entry before anything else happens.
    window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
    if (number !== null) { form.elements.guarantee_number.value = number; }
    if (key !== null) { form.elements.access_key.value = key; }
    status(form, "お知らせのQRコードから保証契約番号と認証キーを入力しました。内容を確かめて「電子証書を表示」を押してください。", true);
    var submit = form.querySelector("[type=submit]");
    if (submit) { submit.focus(); }
  }

  function showCertificate(page, form, result, data) {
    var doc = new DOMParser().parseFromString(data.html, "text/html");
    result.replaceChildren.apply(result, Array.prototype.slice.call(doc.body.childNodes));
    enablePrint(result);
    var again = result.querySelector("[data-lookup-again]");
    if (again) {
      // In place of reloading the page: clear the answer and start again at the number.
      again.addEventListener("click", function (event) {
        event.preventDefault();
        result.replaceChildren();
        result.hidden = true;
        if (page) { page.classList.remove("lookup-page--result"); }
        form.reset();
        clearErrors(form);
        status(form, "");
        form.elements.guarantee_number.focus();
        form.scrollIntoView({ block: "start" });
      });
    }
    result.hidden = false;
    if (page) { page.classList.add("lookup-page--result"); }
    form.elements.access_key.value = "";
    status(form, "電子証書を表示しました。", true);
    result.focus();
    result.scrollIntoView({ block: "start" });
  }

  function showProblem(form, response, data) {
    if (data && data.status === "invalid" && Array.isArray(data.errors)) {
      var first = null;
      data.errors.forEach(function (e) {
        if (FIELDS.indexOf(e.field) >= 0) {
          fieldError(form, e.field, e.message);
          first = first || e.field;
        }
      });
      status(form, data.message || "入力内容を確認してください。");
      if (first) { form.elements[first].focus(); }
      return;
    }
    var message = data && data.status && data.message;
    if (!message) { message = GENERIC[response.status] || GENERIC.other; }
    status(form, message);
  }

  async function submit(page, form, result, event) {
    event.preventDefault();
    clearErrors(form);
    var missing = FIELDS.filter(function (name) { return !form.elements[name].value.trim(); });
    if (missing.length) {
      missing.forEach(function (name) { fieldError(form, name, LABELS[name] + "を入力してください。"); });
      status(form, "入力内容を確認してください。");
      form.elements[missing[0]].focus();
      return;
    }
    var body = JSON.stringify({
      guarantee_number: form.elements.guarantee_number.value,
      access_key: form.elements.access_key.value
    });
    var button = form.querySelector("[type=submit]");
    if (button) { button.disabled = true; }
    status(form, "照会しています…", true);
    try {
      var response = await fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: body,
        credentials: "same-origin",
        cache: "no-store"
      });
      var data = null;
      try { data = await response.json(); } catch (ignored) { data = null; }
      if (response.ok && data && data.status === "shown" && typeof data.html === "string") {
        showCertificate(page, form, result, data);
      } else {
        showProblem(form, response, data);
      }
    } catch (err) {
      status(form, GENERIC.network);
    } finally {
      if (button) { button.disabled = false; }
    }
  }

  function init() {
    enablePrint(document);
    var form = document.querySelector("form[data-lookup-form]");
    var result = document.querySelector("[data-lookup-result]");
    if (!form || !result) { return; }  // the function's own pages: plain form POST
    var page = document.querySelector("[data-lookup-page]");
    fillFromFragment(form);
    // A browser without fetch or DOMParser keeps the plain form POST, which works just as well.
    if (!(window.fetch && window.DOMParser)) { return; }
    form.setAttribute("novalidate", "");
    form.addEventListener("submit", function (event) { submit(page, form, result, event); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
