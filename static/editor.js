// Chorus editor: optional enhancements. Everything works without this script.
// - live preview: the form is sent to /editor/preview and the answer replaces the preview;
// - autosave of drafts: the form is saved as a draft a few seconds after typing stops;
// - images: "Upload image" sends the file in the background and inserts its Markdown at the cursor.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form || !window.fetch || !window.FormData) return;
  var body = document.getElementById("body");
  var preview = document.getElementById("live-preview");
  var status = document.getElementById("autosave-status");
  var PREVIEW_DELAY = 700;
  var AUTOSAVE_DELAY = 4000;
  var previewTimer = null;
  var saveTimer = null;
  var saving = false;
  var dirty = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  // The form's text fields, without files (those are sent only by the buttons).
  function fields(action) {
    var data = new FormData(form);
    data.delete("cover_file");
    data.delete("image_file");
    if (action) data.set("action", action);
    return data;
  }

  function post(url, data, accept) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": accept }
    });
  }

  function refreshPreview() {
    post("/editor/preview", fields(null), "text/html").then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      // Server-rendered and sanitized: the same HTML the public page shows.
      if (preview) preview.innerHTML = html;
    }).catch(function () { /* the Preview button still works */ });
  }

  function autosave() {
    if (!dirty || saving || form.getAttribute("data-autosave") !== "on") return;
    var title = form.querySelector("#title");
    if (!title || !title.value.trim() || !body || !body.value.trim()) return;
    saving = true;
    dirty = false;
    say("Saving…");
    post(form.getAttribute("action"), fields("autosave"), "application/json").then(function (r) {
      return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; });
    }).then(function (res) {
      if (res.ok) {
        if (res.answer.edit_url && form.getAttribute("action") !== res.answer.edit_url) {
          form.setAttribute("action", res.answer.edit_url);
          if (window.history && history.replaceState) history.replaceState(null, "", res.answer.edit_url);
        }
        say("Draft saved automatically at " + res.answer.saved_at + " UTC.");
      } else {
        say("Not saved automatically: " + (res.answer.error || "the server refused.") );
      }
    }).catch(function () {
      dirty = true;
      say("Not saved automatically: the server could not be reached.");
    }).then(function () { saving = false; });
  }

  form.addEventListener("input", function (e) {
    if (e.target && e.target.type === "file") return;
    dirty = true;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(autosave, AUTOSAVE_DELAY);
  });

  // Pressing a button saves for real: no background save may race it.
  form.addEventListener("submit", function () {
    clearTimeout(saveTimer);
    form.setAttribute("data-autosave", "off");
  });

  function insertAtCursor(text) {
    if (!body) return;
    var start = body.selectionStart || 0;
    var end = body.selectionEnd || start;
    var before = body.value.slice(0, start);
    var after = body.value.slice(end);
    var pad = before && !/\n$/.test(before) ? "\n\n" : "";
    var insert = pad + text + (/^\n/.test(after) ? "" : "\n");
    body.value = before + insert + after;
    body.focus();
    body.selectionStart = body.selectionEnd = before.length + insert.length;
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var upload = document.getElementById("upload-button");
  var file = document.getElementById("image_file");
  var alt = document.getElementById("image_alt");
  if (upload && file) {
    upload.addEventListener("click", function (e) {
      if (!file.files || !file.files.length) return; // the server explains what is missing
      e.preventDefault();
      var data = new FormData();
      data.set("csrf", form.querySelector("input[name=csrf]").value);
      data.set("file", file.files[0]);
      data.set("alt", alt ? alt.value : "");
      say("Uploading the image…");
      post("/editor/media", data, "application/json").then(function (r) {
        return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; });
      }).then(function (res) {
        if (!res.ok) {
          say("The image was not uploaded: " + (res.answer.error || "the server refused it."));
          return;
        }
        insertAtCursor(res.answer.markdown);
        file.value = "";
        if (alt) alt.value = "";
        say(res.answer.alt ? "Image inserted into the text." :
          "Image inserted. It has no description yet: write one between the square brackets.");
      }).catch(function () {
        say("The image was not uploaded: the server could not be reached.");
      });
    });
  }
})();
