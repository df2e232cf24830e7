// Chorus editor: optional enhancements. Everything works without this script.
// - live preview: the form is sent to /editor/preview and the answer replaces the preview;
// - autosave of drafts a few seconds after typing stops; heading and address follow it;
// - Ctrl/Cmd+S saves, Ctrl/Cmd+Enter previews; a warning before leaving unsaved changes;
// - word count and reading time.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form || !window.fetch || !window.FormData) return;
  document.documentElement.classList.add("has-script");
  var body = document.getElementById("body");
  var title = document.getElementById("title");
  var preview = document.getElementById("live-preview");
  var status = document.getElementById("autosave-status");
  var count = document.getElementById("word-count");
  var PREVIEW_DELAY = 500;
  var AUTOSAVE_DELAY = 4000;
  var previewTimer = null;
  var saveTimer = null;
  var saving = false;
  var dirty = false;    // changed since the last autosave
  var unsaved = false;  // changed since the page was loaded or last saved
  var submitting = false;

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
    clearTimeout(previewTimer);
    post("/editor/preview", fields(null), "text/html").then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      // Server-rendered and sanitized: the same HTML the public page shows.
      if (preview) preview.innerHTML = html;
    }).catch(function () { /* the Preview button still works */ });
  }

  function countWords() {
    if (!count || !body) return;
    var words = body.value.trim() ? body.value.trim().split(/\s+/).length : 0;
    var minutes = Math.max(1, Math.ceil(words / 230));
    count.textContent = words + (words === 1 ? " word" : " words") + " · about " + minutes +
      (minutes === 1 ? " minute" : " minutes") + " to read";
  }

  function followSave(answer) {
    if (answer.edit_url && form.getAttribute("action") !== answer.edit_url) {
      form.setAttribute("action", answer.edit_url);
      if (window.history && history.replaceState) history.replaceState(null, "", answer.edit_url);
      if (!form.querySelector("input[name=post]") && answer.id) {
        var id = document.createElement("input");
        id.type = "hidden";
        id.name = "post";
        id.value = answer.id;
        form.appendChild(id);
      }
    }
    var heading = document.getElementById("editor-heading");
    var name = title ? title.value.trim() : "";
    if (heading && name) {
      heading.textContent = "Editing: " + name;
      document.title = document.title.replace(/^[^·]*·/, "Editing: " + name + " ·");
    }
  }

  function autosave() {
    if (!dirty || saving || form.getAttribute("data-autosave") !== "on") return;
    if (!title || !title.value.trim() || !body || !body.value.trim()) return;
    saving = true;
    dirty = false;
    say("Saving…");
    post(form.getAttribute("action"), fields("autosave"), "application/json").then(function (r) {
      return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; });
    }).then(function (res) {
      if (res.ok) {
        if (!dirty) unsaved = false;
        followSave(res.answer);
        say("Draft saved automatically at " + res.answer.saved_at + ".");
      } else {
        say("Not saved automatically: " + (res.answer.error || "the server refused."));
      }
    }).catch(function () {
      dirty = true;
      say("Not saved automatically: the server could not be reached.");
    }).then(function () { saving = false; });
  }

  function changed() {
    dirty = true;
    unsaved = true;
    countWords();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(autosave, AUTOSAVE_DELAY);
  }

  form.addEventListener("input", function (e) {
    if (e.target && e.target.type === "file") return;
    changed();
  });
  form.addEventListener("change", function (e) {
    if (e.target && e.target.tagName === "SELECT") changed();
  });

  // Pressing a button saves for real: no background save may race it.
  form.addEventListener("submit", function () {
    clearTimeout(saveTimer);
    submitting = true;
    form.setAttribute("data-autosave", "off");
  });

  window.addEventListener("beforeunload", function (e) {
    if (!unsaved || submitting) return;
    e.preventDefault();
    e.returnValue = "";
  });

  function press(value) {
    var button = form.querySelector("button[name=action][value=" + value + "]");
    if (!button) return false;
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    if (e.key === "s" || e.key === "S") {
      e.preventDefault();
      press("save") || press("update");
    } else if (e.key === "Enter") {
      e.preventDefault();
      refreshPreview();
    }
  });

  // For the image script: text inserted at the caret, as typed.
  window.chorusEditor = {
    say: say,
    post: post,
    csrf: function () { return form.querySelector("input[name=csrf]").value; },
    // `at`: where the caret was when the image was pasted or dropped (else where it is now).
    insert: function (text, at) {
      if (!body) return;
      var start = typeof at === "number" ? Math.min(at, body.value.length) : (body.selectionStart || 0);
      var end = typeof at === "number" ? start : (body.selectionEnd || start);
      var before = body.value.slice(0, start);
      var after = body.value.slice(end);
      var pad = before && !/\n$/.test(before) ? "\n\n" : "";
      var insert = pad + text + (/^\n/.test(after) ? "" : "\n");
      body.value = before + insert + after;
      body.focus();
      body.selectionStart = body.selectionEnd = before.length + insert.length;
      body.dispatchEvent(new Event("input", { bubbles: true }));
    }
  };
  countWords();
})();
