// policylint review page: drag and drop, upload and check progress, and
// decisions without reloading. Every form also works without this script.
"use strict";

(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }

  // -- the upload form ------------------------------------------------------
  function listChosen(input, list) {
    list.textContent = "";
    for (const f of input.files) {
      const li = document.createElement("li");
      li.textContent = f.name;
      list.appendChild(li);
    }
  }

  function messageOf(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const box = doc.querySelector(".problem-box") || doc.querySelector("main");
    return box ? box.textContent.trim() : "The documents were not taken.";
  }

  function setUpUpload() {
    const form = $("#upload");
    if (!form) return;
    const input = $("#files"), drop = $("#drop"), list = $("#chosen");
    input.addEventListener("change", function () { listChosen(input, list); });
    ["dragenter", "dragover"].forEach(function (type) {
      drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      drop.addEventListener(type, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        listChosen(input, list);
      }
    });
    form.addEventListener("submit", function (e) {
      if (!input.files.length) return;
      e.preventDefault();
      const sending = $("#sending"), bar = $("#send-progress"), pct = $("#send-pct"), error = $("#upload-error");
      const button = $("#send");
      error.hidden = true;
      sending.hidden = false;
      button.disabled = true;
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) {
          bar.value = Math.round(100 * ev.loaded / ev.total);
          pct.textContent = bar.value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL) {
          window.location.assign(xhr.responseURL);
          return;
        }
        sending.hidden = true;
        button.disabled = false;
        error.textContent = messageOf(xhr.responseText);
        error.hidden = false;
      });
      xhr.addEventListener("error", function () {
        sending.hidden = true;
        button.disabled = false;
        error.textContent = "The documents could not be sent. Is policylint serve still running?";
        error.hidden = false;
      });
      xhr.send(new FormData(form));
    });
  }

  // -- the progress page ----------------------------------------------------
  function setUpProgress() {
    const box = $("#progress");
    if (!box) return;
    const bar = $("#check-progress"), text = $("#check-text");
    function poll() {
      fetch(box.dataset.status, {headers: {"Accept": "application/json"}, cache: "no-store"})
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state === "done" || s.state === "failed" || s.state === "gone") {
            window.location.reload();
            return;
          }
          if (s.total) {
            bar.max = s.total;
            bar.value = s.done;
          }
          if (s.current) {
            text.textContent = "Reading and checking " + s.current + " (" + (s.done + 1) + " of " + s.total + ").";
          }
          window.setTimeout(poll, 700);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    window.setTimeout(poll, 500);
  }

  // -- decisions: dismiss, undo, use this wording ---------------------------
  function replaceMain(html, anchor) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const fresh = doc.querySelector("main");
    const header = doc.querySelector("header.site");
    if (!fresh) return false;
    const y = window.scrollY;
    $("main").replaceWith(document.adoptNode(fresh));
    if (header) $("header.site").replaceWith(document.adoptNode(header));
    window.scrollTo(0, y);
    const note = anchor && document.getElementById(anchor);
    if (note) {
      const button = note.querySelector("button, summary");
      if (button) button.focus({preventScroll: true});
    }
    return true;
  }

  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (!form.classList || !form.classList.contains("decide")) return;
    e.preventDefault();
    const anchor = form.elements.anchor ? form.elements.anchor.value : "";
    for (const b of form.querySelectorAll("button")) b.disabled = true;
    fetch(form.getAttribute("action"), {  // not form.action: an input is named "action"
      method: "POST", body: new URLSearchParams(new FormData(form)),
      headers: {"Accept": "application/json"}
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return fetch(window.location.pathname, {headers: {"Accept": "text/html"}, cache: "no-store"});
    }).then(function (r) { return r.text(); })
      .then(function (html) { if (!replaceMain(html, anchor)) form.submit(); })
      .catch(function () { form.submit(); });
  });

  setUpUpload();
  setUpProgress();
})();
