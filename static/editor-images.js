// Chorus editor, images: optional, after editor.js. Everything works without this script.
// - an image pasted or dropped into the text is uploaded to the library after its description
//   is asked for, and its Markdown is inserted at the caret;
// - "Upload image" sends the file in the background and inserts its Markdown;
// - a cover file is uploaded as soon as it is chosen, so that it stays with the draft.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  var ed = window.chorusEditor;
  if (!form || !ed) return;
  var body = document.getElementById("body");
  var MAX = parseInt(form.getAttribute("data-max-bytes"), 10) || 10485760;
  var TYPES = (form.getAttribute("data-accept") || "image/jpeg,image/png,image/webp,image/gif").split(",");

  function upload(file, alt) {
    var data = new FormData();
    data.set("csrf", ed.csrf());
    data.set("file", file);
    data.set("alt", alt || "");
    return ed.post("/editor/media", data, "application/json").then(function (r) {
      return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; });
    });
  }

  // Why `file` cannot be uploaded, or null.
  function refusal(file) {
    if (TYPES.indexOf(file.type) < 0) {
      return "Only images can be added (JPEG, PNG, WebP or GIF): nothing was inserted.";
    }
    if (file.size > MAX) {
      return "The image is " + (file.size / 1048576).toFixed(1) + " MiB; at most " +
        Math.round(MAX / 1048576) + " MiB can be uploaded. Nothing was inserted.";
    }
    return null;
  }

  // Asks for the image's description in a small dialog; resolves to it, or null if cancelled.
  function askAlt(file) {
    return new Promise(function (resolve) {
      var dialog = document.createElement("dialog");
      dialog.className = "alt-dialog";
      dialog.setAttribute("aria-labelledby", "alt-dialog-title");
      dialog.innerHTML = '<form method="dialog" class="stack">' +
        '<p id="alt-dialog-title"><strong>Describe the image</strong></p>' +
        '<label for="alt-dialog-text">Alt text: what the image shows, for people who cannot see it</label>' +
        '<input id="alt-dialog-text" maxlength="1500">' +
        '<p class="help" id="alt-dialog-file"></p>' +
        '<div class="buttons"><button value="insert" id="alt-dialog-insert">Insert image</button>' +
        '<button value="cancel" class="secondary" formnovalidate>Cancel</button></div></form>';
      dialog.querySelector("#alt-dialog-file").textContent = file.name || "pasted image";
      document.body.appendChild(dialog);
      var input = dialog.querySelector("#alt-dialog-text");
      dialog.addEventListener("close", function () {
        var alt = dialog.returnValue === "insert" ? input.value.trim() : null;
        dialog.remove();
        if (body) body.focus();
        resolve(alt);
      });
      dialog.showModal();
      input.focus();
    });
  }

  function addImage(file) {
    var at = body ? body.selectionEnd : undefined;
    var why = refusal(file);
    if (why) { ed.say(why); return; }
    askAlt(file).then(function (alt) {
      if (alt === null) { ed.say("No image was inserted."); return; }
      ed.say("Uploading the image…");
      upload(file, alt).then(function (res) {
        if (!res.ok) {
          ed.say("The image was not uploaded: " + (res.answer.error || "the server refused it."));
          return;
        }
        ed.insert(res.answer.markdown, at);
        ed.say(res.answer.alt ? "Image inserted into the text." :
          "Image inserted. It has no description yet: write one between the square brackets.");
      }).catch(function () {
        ed.say("The image was not uploaded: the server could not be reached.");
      });
    });
  }

  function filesOf(list) {
    var out = [];
    for (var i = 0; list && i < list.length; i++) out.push(list[i]);
    return out;
  }

  if (body) {
    body.addEventListener("paste", function (e) {
      var files = filesOf(e.clipboardData && e.clipboardData.files);
      if (!files.length) return; // text is pasted as usual
      e.preventDefault();
      addImage(files[0]);
    });
    body.addEventListener("dragover", function (e) {
      if (e.dataTransfer && filesOf(e.dataTransfer.types).indexOf("Files") >= 0) e.preventDefault();
    });
    body.addEventListener("drop", function (e) {
      var files = filesOf(e.dataTransfer && e.dataTransfer.files);
      if (!files.length) return;
      e.preventDefault();
      addImage(files[0]);
    });
  }

  var button = document.getElementById("upload-button");
  var file = document.getElementById("image_file");
  var alt = document.getElementById("image_alt");
  if (button && file) {
    button.addEventListener("click", function (e) {
      if (!file.files || !file.files.length) return; // the server explains what is missing
      e.preventDefault();
      ed.say("Uploading the image…");
      upload(file.files[0], alt ? alt.value : "").then(function (res) {
        if (!res.ok) {
          ed.say("The image was not uploaded: " + (res.answer.error || "the server refused it."));
          return;
        }
        ed.insert(res.answer.markdown);
        file.value = "";
        if (alt) alt.value = "";
        ed.say(res.answer.alt ? "Image inserted into the text." :
          "Image inserted. It has no description yet: write one between the square brackets.");
      }).catch(function () {
        ed.say("The image was not uploaded: the server could not be reached.");
      });
    });
  }

  // A cover file becomes one of the library's images at once, chosen in the menu.
  var coverFile = document.getElementById("cover_file");
  var coverMenu = document.getElementById("cover_media_id");
  var coverAlt = document.getElementById("cover_alt");
  if (coverFile && coverMenu) {
    coverFile.addEventListener("change", function () {
      var f = coverFile.files && coverFile.files[0];
      if (!f) return;
      var why = refusal(f);
      if (why) { ed.say("Cover image: " + why); coverFile.value = ""; return; }
      ed.say("Uploading the cover image…");
      upload(f, coverAlt ? coverAlt.value : "").then(function (res) {
        if (!res.ok) {
          ed.say("The cover image was not uploaded: " + (res.answer.error || "the server refused it."));
          return;
        }
        var option = document.createElement("option");
        option.value = res.answer.id;
        option.textContent = (res.answer.alt || "Image without description") + " (just uploaded)";
        coverMenu.insertBefore(option, coverMenu.options[1] || null);
        coverMenu.value = String(res.answer.id);
        coverFile.value = "";
        coverMenu.dispatchEvent(new Event("change", { bubbles: true }));
        ed.say("Cover image uploaded and chosen.");
      }).catch(function () {
        ed.say("The cover image was not uploaded: the server could not be reached.");
      });
    });
  }
})();
