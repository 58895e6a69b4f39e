// The page editor, for people who have never seen Markdown: a toolbar over the text box (headings,
// bold, italic, lists, links, links to pages, tables, images and files), paste from Word and web
// pages as Markdown (markdown.js), a live preview beside the text on wide screens, and the text kept
// in this browser until it is saved. Progressive enhancement: the text box stays the form's field
// and the source of truth; without this file the form works as before.
(function () {
  "use strict";
  var root = document.querySelector(".editor[data-preview-url]");
  var md = window.KbMarkdown;
  if (!root || !md) { return; }
  var textarea = root.querySelector("textarea");
  var form = root.closest("form");
  if (!textarea || !form) { return; }
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var token = tokenInput ? tokenInput.value : "";
  var baseInput = form.querySelector("input[name=base_revision]");
  var host = document.querySelector("main") || document.body;  // dialogs live outside the page form
  var mac = /Mac|iPhone|iPad/.test(navigator.platform || "");

  // --- small helpers ------------------------------------------------------------------------

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === false || value === null || value === undefined) { return; }
      if (key === "text") { node.textContent = value; }
      else if (key.slice(0, 2) === "on") { node.addEventListener(key.slice(2), value); }
      else { node.setAttribute(key, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) { if (child) { node.append(child); } });
    return node;
  }

  var idCount = 0;
  function newId(stem) { idCount += 1; return "editor-" + stem + "-" + idCount; }

  // A labelled field for a dialog: {box, input, error(message)}.
  function dialogField(label, input, help) {
    input.id = input.id || newId("falt");
    var errorId = input.id + "-fel", helpId = input.id + "-hjalp";
    var errorEl = h("p", { class: "error", id: errorId, hidden: true });
    var helpEl = help ? h("p", { class: "help", id: helpId, text: help }) : null;
    if (helpEl) { input.setAttribute("aria-describedby", helpId); }
    var box = h("div", { class: "field" }, [h("label", { for: input.id, text: label }), helpEl, input, errorEl]);
    return {
      box: box, input: input,
      error: function (message) {
        errorEl.textContent = message || "";
        errorEl.hidden = !message;
        input.setAttribute("aria-describedby", [helpEl ? helpId : "", message ? errorId : ""].join(" ").trim());
        if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      }
    };
  }

  function fetchJson(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ "Accept": "application/json", "X-CSRFToken": token }, options.headers || {});
    return fetch(url, options).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) {
        throw new Error("Svaret gick inte att läsa. Du kan ha blivit utloggad: spara en kopia av texten, "
          + "ladda om sidan och försök igen.");
      }
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    });
  }

  // --- editing the text (undo keeps working where the browser lets us) ----------------------------

  function replaceRange(start, end, text, selStart, selEnd) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var done = false;
    try {
      done = text ? document.execCommand("insertText", false, text)
        : start === end || document.execCommand("delete", false);
    } catch (e) { done = false; }
    if (!done) {
      textarea.setRangeText(text, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (selStart === undefined) { selStart = selEnd = start + text.length; }
    textarea.setSelectionRange(selStart, selEnd === undefined ? selStart : selEnd);
  }

  function selection() {
    return { start: textarea.selectionStart, end: textarea.selectionEnd, value: textarea.value };
  }

  // The whole lines the selection touches: {start, end, lines}.
  function selectedLines() {
    var s = selection();
    var start = s.value.lastIndexOf("\n", s.start - 1) + 1;
    var endAt = s.end > s.start && s.value.charAt(s.end - 1) === "\n" ? s.end - 1 : s.end;
    var end = s.value.indexOf("\n", endAt);
    if (end < 0) { end = s.value.length; }
    return { start: start, end: end, lines: s.value.slice(start, end).split("\n") };
  }

  function starRun(value, at, step) {
    var n = 0;
    while (value.charAt(step < 0 ? at - n - 1 : at + n) === "*") { n += 1; }
    return n;
  }

  // Bold ("**") or italic ("*") around the selection, or off again when it is there already.
  function toggleInline(marker, placeholder) {
    var s = selection(), v = s.value, start = s.start, end = s.end, n = marker.length;
    while (start < end && /\s/.test(v.charAt(start))) { start += 1; }
    while (end > start && /\s/.test(v.charAt(end - 1))) { end -= 1; }
    var inner = v.slice(start, end);
    var has = function (before, after) {
      return n === 2 ? before >= 2 && after >= 2 : before % 2 === 1 && after % 2 === 1;
    };
    if (has(starRun(v, start, -1), starRun(v, end, 1))) {
      replaceRange(start - n, end + n, inner, start - n, end - n);
    } else if (inner.length > 2 * n && has(starRun(inner, 0, 1), starRun(inner, inner.length, -1))) {
      var bare = inner.slice(n, inner.length - n);
      replaceRange(start, end, bare, start, start + bare.length);
    } else if (!inner) {
      replaceRange(start, end, marker + placeholder + marker, start + n, start + n + placeholder.length);
    } else {
      var wrapped = inner.split("\n").map(function (line) {
        return line.trim() ? line.replace(/^(\s*)(.*?)(\s*)$/, "$1" + marker + "$2" + marker + "$3") : line;
      }).join("\n");
      replaceRange(start, end, wrapped, start, start + wrapped.length);
    }
  }

  var HEADING = /^#{1,6}\s+/;
  var LIST_ITEM = /^(\s*)([-*+]|\d+[.)])\s+/;

  // The lines of the selection as a heading of `level` (0: normal text; the same level again: off).
  function setHeading(level) {
    var sel = selectedLines();
    var same = sel.lines.every(function (line) {
      var m = /^(#{1,6})\s/.exec(line);
      return !line.trim() || (m && m[1].length === level);
    });
    var text = sel.lines.map(function (line) {
      if (!line.trim()) { return line; }
      var bare = line.replace(HEADING, "").replace(LIST_ITEM, "");
      return level && !same ? "#".repeat(level) + " " + bare : bare;
    }).join("\n");
    var s = selection();
    replaceRange(sel.start, sel.end, text, s.start === s.end ? sel.start + text.length : sel.start, sel.start + text.length);
  }

  // The lines of the selection as a bulleted or numbered list (or plain lines again).
  function toggleList(ordered) {
    var sel = selectedLines();
    var mine = ordered ? /^(\s*)\d+[.)]\s+/ : /^(\s*)[-*+]\s+/;
    var filled = sel.lines.filter(function (line) { return line.trim(); });
    var off = filled.length > 0 && filled.every(function (line) { return mine.test(line); });
    var n = 0;
    var text = sel.lines.map(function (line) {
      if (!line.trim()) { return filled.length ? line : (ordered ? "1. " : "- "); }
      if (off) { return line.replace(mine, "$1"); }
      var m = /^(\s*)/.exec(line);
      n += 1;
      return m[1] + (ordered ? n + ". " : "- ") + line.replace(LIST_ITEM, "").replace(HEADING, "").trim();
    }).join("\n");
    // A selection stays selected (so a second click can turn the list into the other kind).
    var s = selection();
    replaceRange(sel.start, sel.end, text, s.start === s.end ? sel.start + text.length : sel.start, sel.start + text.length);
  }

  // Enter in a list item starts the next item; Enter in an empty item ends the list.
  function continueList(event) {
    var s = selection();
    if (s.start !== s.end) { return; }
    var lineStart = s.value.lastIndexOf("\n", s.start - 1) + 1;
    var lineEnd = s.value.indexOf("\n", s.start);
    if (lineEnd < 0) { lineEnd = s.value.length; }
    var line = s.value.slice(lineStart, lineEnd);
    var m = /^(\s*)([-*+]|(\d+)([.)]))(\s+)(.*)$/.exec(line);
    if (!m || s.start < lineStart + m[0].length - m[6].length) { return; }
    event.preventDefault();
    if (!m[6].trim() && s.start === lineEnd) {
      replaceRange(lineStart, lineEnd, "", lineStart);
      return;
    }
    var marker = m[3] ? (parseInt(m[3], 10) + 1) + m[4] : m[2];
    replaceRange(s.start, s.start, "\n" + m[1] + marker + " ");
  }

  // Text of its own paragraph at the caret (a table): blank lines around it as needed.
  function insertBlock(text) {
    var s = selection(), v = s.value, at = s.end;
    var lineEnd = v.indexOf("\n", at);
    if (v.slice(v.lastIndexOf("\n", at - 1) + 1, at).trim()) { at = lineEnd < 0 ? v.length : lineEnd; }
    var before = v.slice(0, at), after = v.slice(at);
    var lead = !before.trim() ? "" : /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var trail = !after.trim() ? "\n" : /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
    replaceRange(at, at, lead + text + trail, at + lead.length + text.length);
  }

  function escapeLabel(text) { return text.replace(/([\\\[\]])/g, "\\$1"); }

  // --- dialogs ----------------------------------------------------------------------------------

  var saved = null;  // the selection when a dialog opened: what it acts on

  function makeDialog(stem, title, intro) {
    var headingId = newId(stem + "-rubrik");
    var body = h("form", { class: "editor-dialog-form", novalidate: true });
    var dialog = h("dialog", { class: "editor-dialog", "aria-labelledby": headingId }, [
      h("h2", { id: headingId, text: title }),
      intro ? h("p", { class: "help", text: intro }) : null,
      body
    ]);
    // In the page only while open: its fields would otherwise share labels with the form's.
    dialog.addEventListener("close", function () {
      dialog.remove();
      textarea.focus();
      if (saved) { textarea.setSelectionRange(saved.start, saved.end); }
    });
    return {
      dialog: dialog, form: body,
      open: function () {
        saved = selection();
        host.appendChild(dialog);
        if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
      },
      close: function () {
        if (dialog.close) { dialog.close(); } else { dialog.removeAttribute("open"); }
      }
    };
  }

  function actions(children) { return h("div", { class: "actions" }, children); }

  function cancelButton(d) {
    return h("button", { type: "button", class: "secondary", text: "Avbryt", onclick: function () { d.close(); } });
  }

  // Restore the selection the dialog acts on, then run `edit`.
  function atSaved(edit) {
    textarea.focus();
    if (saved) { textarea.setSelectionRange(saved.start, saved.end); }
    edit();
    saved = selection();
  }

  // -- Länk --
  var ADDRESS = /^(https?:\/\/[^\s\/]+\S*|mailto:[^\s@]+@[^\s@]+|\/(?!\/)\S*|#\S+)$/i;
  var linkDialog = (function () {
    var d = makeDialog("lank", "Länk", "Länka till en webbsida, en e-postadress eller en sida här.");
    var address = dialogField("Webbadress eller e-post", h("input", { type: "text", inputmode: "url", autocomplete: "off" }),
      "T.ex. https://www.exempel.se, namn@exempel.se eller /sida/sip.");
    var label = dialogField("Länktext", h("input", { type: "text", autocomplete: "off" }),
      "Det som visas som länk. Lämna tomt för att visa adressen.");
    d.form.append(address.box, label.box, actions([
      h("button", { type: "submit", text: "Infoga länk" }), cancelButton(d)]));
    d.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = address.input.value.trim();
      if (/^www\./i.test(url)) { url = "https://" + url; }
      if (/^[^\s@:\/]+@[^\s@]+\.[^\s@]+$/.test(url)) { url = "mailto:" + url; }
      if (!ADDRESS.test(url)) {
        address.error(url ? "Adressen måste börja med https://, http://, mailto: eller / (en sida här)."
          : "Skriv en adress.");
        address.input.focus();
        return;
      }
      address.error("");
      var text = label.input.value.trim() || url.replace(/^mailto:/i, "");
      url = url.replace(/[\s()<>]/g, function (c) { return "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"); });
      d.close();
      atSaved(function () {
        var link = "[" + escapeLabel(text) + "](" + url + ")";
        replaceRange(saved.start, saved.end, link);
      });
    });
    return {
      open: function (button) {
        var s = selection();
        address.input.value = "";
        address.error("");
        label.input.value = s.value.slice(s.start, s.end).trim();
        d.open(button);
        address.input.focus();
      }
    };
  })();

  // -- Länk till sida --
  var pageDialog = (function () {
    var url = root.getAttribute("data-suggest-url");
    var d = makeDialog("sidlank", "Länk till sida", "Sök efter sidans titel och välj sidan i listan.");
    var search = dialogField("Sök sida", h("input", { type: "text", autocomplete: "off" }),
      "Skriv början av sidans titel.");
    var label = dialogField("Länktext", h("input", { type: "text", autocomplete: "off" }),
      "Det som visas som länk. Lämna tomt för att visa sidans titel.");
    var status = h("p", { role: "status", class: "editor-dialog-status" });
    var list = h("ul", { class: "editor-results", "aria-label": "Sidor som hittades" });
    var found = [], timer = null, asked = "";
    d.form.append(search.box, status, list, label.box, actions([cancelButton(d)]));

    function choose(item) {
      var text = label.input.value.trim() || item.title;
      d.close();
      atSaved(function () {
        var clean = text.replace(/\|/g, "/").replace(/\]\]/g, "] ]");
        replaceRange(saved.start, saved.end, "[[" + item.slug + "|" + clean + "]]");
      });
    }

    function show(items) {
      found = items;
      list.textContent = "";
      items.forEach(function (item) {
        list.append(h("li", {}, [h("button", { type: "button", class: "linklike", text: item.title,
          onclick: function () { choose(item); } })]));
      });
      status.textContent = items.length === 0 ? "Ingen sida hittades."
        : items.length === 1 ? "1 sida hittades." : items.length + " sidor hittades.";
    }

    function lookUp() {
      var q = search.input.value.trim();
      if (q === asked) { return; }
      asked = q;
      if (q.length < 2) { list.textContent = ""; found = []; status.textContent = "Skriv minst två bokstäver."; return; }
      fetchJson(url + "?q=" + encodeURIComponent(q)).then(function (answer) {
        if (search.input.value.trim() !== q) { return; }
        show((answer.data.suggestions || []).filter(function (s) { return !s.kind && s.slug; }));
      }).catch(function (e) { status.textContent = e.message; });
    }

    search.input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookUp, 200); });
    search.input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && list.firstElementChild) {
        event.preventDefault();
        list.querySelector("button").focus();
      }
    });
    list.addEventListener("keydown", function (event) {
      var buttons = Array.prototype.slice.call(list.querySelectorAll("button"));
      var at = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at < buttons.length - 1) { event.preventDefault(); buttons[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? buttons[at - 1] : search.input).focus(); }
    });
    d.form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      lookUp();
      if (found.length) { choose(found[0]); }
    });
    return {
      open: function (button) {
        var s = selection();
        search.input.value = "";
        label.input.value = s.value.slice(s.start, s.end).trim();
        asked = "";
        list.textContent = "";
        found = [];
        status.textContent = "Skriv minst två bokstäver.";
        d.open(button);
        search.input.focus();
      }
    };
  })();

  // -- Tabell --
  var tableDialog = (function () {
    var d = makeDialog("tabell", "Tabell");
    var intro = h("p", { class: "help" });
    var columns = dialogField("Kolumner", h("input", { type: "number", min: "1", max: "20", inputmode: "numeric" }));
    var rows = dialogField("Rader utöver rubrikraden", h("input", { type: "number", min: "0", max: "100", inputmode: "numeric" }));
    var size = h("div", { class: "form-grid editor-table-size" }, [columns.box, rows.box]);
    var grid = h("table", { class: "editor-table-grid" });
    var gridBox = h("div", { class: "table-wrap editor-table-wrap" }, [grid]);
    var chosen = h("p", { class: "meta" });
    var where = h("p", { class: "editor-dialog-status", role: "status" });
    var submit = h("button", { type: "submit" });
    var model = null;  // {rows: [[...]], align: [...], start, end} (start < 0: a new table)
    var current = { r: 0, c: 0 };

    function cellLabel(r, c) { return (r === 0 ? "Rubrik" : "Rad " + r) + ", kolumn " + (c + 1); }

    function render(focus) {
      grid.textContent = "";
      model.rows.forEach(function (row, r) {
        var tr = h("tr");
        row.forEach(function (value, c) {
          var input = h("input", { type: "text", "aria-label": cellLabel(r, c), "data-r": r, "data-c": c,
            placeholder: r === 0 ? "Kolumn " + (c + 1) : "" });
          input.value = value;
          input.addEventListener("input", function () { model.rows[r][c] = input.value; });
          input.addEventListener("focus", function () {
            current = { r: r, c: c };
            chosen.textContent = "Vald cell: " + cellLabel(r, c).toLowerCase() + ".";
          });
          tr.append(h(r === 0 ? "th" : "td", {}, [input]));
        });
        grid.append(tr);
      });
      columns.input.value = model.rows[0].length;
      rows.input.value = model.rows.length - 1;
      if (focus) {
        var r = Math.min(current.r, model.rows.length - 1), c = Math.min(current.c, model.rows[0].length - 1);
        var target = grid.querySelector('input[data-r="' + r + '"][data-c="' + c + '"]');
        if (target) { target.focus(); }
      }
    }

    function resize(wantColumns, wantRows) {
      wantColumns = Math.max(1, Math.min(20, wantColumns || 1));
      wantRows = Math.max(0, Math.min(100, wantRows || 0));
      // Unchanged (the field lost focus after Enter already resized): keep the cells, and the click on one.
      if (wantColumns === model.rows[0].length && wantRows === model.rows.length - 1) { return; }
      while (model.rows.length - 1 < wantRows) { model.rows.push(model.rows[0].map(function () { return ""; })); }
      model.rows.length = wantRows + 1;
      model.rows.forEach(function (row) {
        while (row.length < wantColumns) { row.push(""); }
        row.length = wantColumns;
      });
      model.align.length = Math.min(model.align.length, wantColumns);
      render(false);
    }

    var resizeTo = function () { resize(parseInt(columns.input.value, 10), parseInt(rows.input.value, 10)); };
    [columns.input, rows.input].forEach(function (input) {
      input.addEventListener("change", resizeTo);
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); resizeTo(); }  // not "Infoga tabellen" yet
      });
    });

    function act(text, fn) {
      return h("button", { type: "button", class: "secondary", text: text, onclick: function () {
        var said = fn();
        render(true);
        if (said) { where.textContent = said; }
      } });
    }
    var tools = h("div", { class: "editor-table-tools", role: "group", "aria-label": "Rader och kolumner" }, [
      act("Lägg till rad", function () {
        var at = current.r + 1;
        model.rows.splice(at, 0, model.rows[0].map(function () { return ""; }));
        current = { r: at, c: current.c };
        return "En rad lades till: rad " + at + ".";
      }),
      act("Lägg till kolumn", function () {
        var at = current.c + 1;
        model.rows.forEach(function (row) { row.splice(at, 0, ""); });
        model.align.splice(at, 0, "");
        current = { r: current.r, c: at };
        return "En kolumn lades till: kolumn " + (at + 1) + ".";
      }),
      act("Ta bort rad", function () {
        if (current.r === 0 || model.rows.length < 2) { return "Rubrikraden kan inte tas bort."; }
        model.rows.splice(current.r, 1);
        return "Rad " + current.r + " togs bort.";
      }),
      act("Ta bort kolumn", function () {
        if (model.rows[0].length < 2) { return "Tabellen måste ha minst en kolumn."; }
        model.rows.forEach(function (row) { row.splice(current.c, 1); });
        model.align.splice(current.c, 1);
        return "Kolumn " + (current.c + 1) + " togs bort.";
      })
    ]);
    d.form.append(intro, size, chosen, tools, where, gridBox, actions([submit, cancelButton(d)]));

    d.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var table = { rows: model.rows.map(function (row, r) {
        return row.map(function (value, c) { return r === 0 && !value.trim() ? "Kolumn " + (c + 1) : value; });
      }), align: model.align };
      var text = md.formatTable(table, true);
      var start = model.start, end = model.end;
      d.close();
      atSaved(function () {
        if (start < 0) { insertBlock(text); }
        else { replaceRange(start, end, text, start + text.length); }
      });
    });

    return {
      open: function (button) {
        var s = selection(), v = s.value;
        var lines = v.split("\n");
        var lineNo = v.slice(0, s.start).split("\n").length - 1;
        var found = md.findTable(lines, lineNo);
        if (found) {
          var offset = function (n) { return lines.slice(0, n).join("\n").length + (n ? 1 : 0); };
          model = { rows: found.rows, align: found.align, start: offset(found.start),
            end: offset(found.end - 1) + lines[found.end - 1].length };
          intro.textContent = "Ändra tabellen där markören står. Välj en cell och lägg till eller ta bort rader och kolumner.";
          submit.textContent = "Spara tabellen";
        } else {
          model = { rows: [["", "", ""], ["", "", ""], ["", "", ""]], align: [], start: -1, end: -1 };
          intro.textContent = "En ny tabell där markören står. Första raden är rubrikrad.";
          submit.textContent = "Infoga tabellen";
        }
        current = { r: 0, c: 0 };
        where.textContent = "";
        chosen.textContent = "";
        render(false);
        d.open(button);
        (found ? grid.querySelector("input") : columns.input).focus();
      }
    };
  })();

  // -- Bild eller fil --
  var attachmentsUrl = root.getAttribute("data-attachments-url");
  var fileDialog = attachmentsUrl ? (function () {
    var d = makeDialog("bilaga", "Bild eller fil", "Lägg in en bild eller en länk till en fil som hör till sidan.");
    var status = h("p", { class: "editor-dialog-status", role: "status" });
    var problem = h("div", { class: "error", role: "alert" });
    var list = h("ul", { class: "editor-results", "aria-label": "Sidans bilagor" });
    var IMAGES = "En bild (PNG eller JPEG) visas i texten, en annan fil blir en länk.";
    var file = dialogField("Ladda upp en ny fil", h("input", { type: "file" }), IMAGES);
    var upload = h("button", { type: "submit", text: "Ladda upp och infoga" });
    d.form.append(h("h3", { text: "Sidans bilagor" }), status, list,
      h("h3", { text: "Ny fil" }), file.box, problem, actions([upload, cancelButton(d)]));

    function insert(item) {
      d.close();
      var label = escapeLabel(item.name);
      atSaved(function () {
        replaceRange(saved.start, saved.end, (item.is_image ? "!" : "") + "[" + label + "](" + item.url + ")");
      });
    }

    function load() {
      status.textContent = "Hämtar bilagorna …";
      list.textContent = "";
      fetchJson(attachmentsUrl).then(function (answer) {
        if (!answer.ok) { throw new Error(answer.data.message || "Bilagorna kunde inte hämtas."); }
        var items = answer.data.attachments || [];
        if (answer.data.help) { file.box.querySelector(".help").textContent = IMAGES + " " + answer.data.help; }
        items.forEach(function (item) {
          list.append(h("li", {}, [h("button", { type: "button", class: "linklike", onclick: function () { insert(item); } },
            [document.createTextNode(item.name), h("span", { class: "visually-hidden", text: item.is_image ? " (bild)" : " (fil)" })]),
            h("span", { class: "meta", "aria-hidden": "true", text: item.is_image ? " bild" : " fil" })]));
        });
        status.textContent = items.length ? "Välj en bilaga för att lägga in den i texten." : "Sidan har inga bilagor än.";
      }).catch(function (e) { status.textContent = e.message; });
    }

    d.form.addEventListener("submit", function (event) {
      event.preventDefault();
      problem.textContent = "";
      if (!file.input.files || !file.input.files.length) {
        file.error("Välj en fil att ladda upp.");
        file.input.focus();
        return;
      }
      file.error("");
      var body = new FormData();
      body.append("file", file.input.files[0]);
      body.append("csrf_token", token);
      upload.disabled = true;
      status.textContent = "Laddar upp …";
      fetchJson(attachmentsUrl, { method: "POST", body: body }).then(function (answer) {
        upload.disabled = false;
        if (!answer.ok) {
          status.textContent = "";
          var reasons = answer.data.errors || [answer.data.message || answer.data.error];
          file.error(reasons.join(" "));
          file.input.focus();
          return;
        }
        flash(answer.data.message);
        insert(answer.data.attachment);
      }).catch(function (e) {
        upload.disabled = false;
        status.textContent = "";
        problem.textContent = e.message;
      });
    });

    return {
      open: function (button) {
        file.input.value = "";
        file.error("");
        problem.textContent = "";
        d.open(button);
        load();
        file.input.focus();
      }
    };
  })() : null;

  // --- toolbar --------------------------------------------------------------------------------

  var status = h("p", { class: "editor-status", role: "status" });
  function flash(message) { status.textContent = message || ""; }

  // Keys as aria-keyshortcuts spells them. Headings: Ctrl+Shift+digit, not Ctrl+Alt+digit, which on
  // Windows is AltGr and types "@", "£" and "$" on a Swedish keyboard; on a Mac Cmd+Shift+3 takes a
  // screenshot, so there it is Cmd+Option+digit.
  var HEADING_KEYS = mac ? "Meta+Alt+" : "Control+Shift+";
  var PRIMARY = mac ? "Meta+" : "Control+";
  var COMMANDS = [
    { name: "Rubrik", keys: HEADING_KEYS + "2", run: function () { setHeading(2); } },
    { name: "Underrubrik", keys: HEADING_KEYS + "3", run: function () { setHeading(3); } },
    { name: "Fet", keys: PRIMARY + "B", cls: "editor-bold", run: function () { toggleInline("**", "fet text"); } },
    { name: "Kursiv", keys: PRIMARY + "I", cls: "editor-italic", run: function () { toggleInline("*", "kursiv text"); } },
    { name: "Punktlista", keys: PRIMARY + "Shift+8", run: function () { toggleList(false); } },
    { name: "Numrerad lista", keys: PRIMARY + "Shift+7", run: function () { toggleList(true); } },
    { name: "Länk", keys: PRIMARY + "K", dialog: true, run: function (b) { linkDialog.open(b); } },
    { name: "Länk till sida", dialog: true, run: function (b) { pageDialog.open(b); } },
    { name: "Tabell", dialog: true, run: function (b) { tableDialog.open(b); } },
    { name: "Bild eller fil", dialog: true, run: function (b) {
      if (fileDialog) { fileDialog.open(b); }
      else { flash("Spara sidan först. Sedan kan du ladda upp bilder och filer och lägga in dem i texten."); }
    } }
  ];

  function shown(keys) {
    return keys.replace("Control", "Ctrl").replace("Meta", "Cmd").replace("Alt", mac ? "Option" : "Alt");
  }

  var toolbar = h("div", { role: "toolbar", "aria-label": "Textformat", "aria-controls": textarea.id, class: "editor-toolbar" });
  var buttons = COMMANDS.map(function (command) {
    var button = h("button", { type: "button", class: "editor-button " + (command.cls || ""),
      title: command.keys ? command.name + " (" + shown(command.keys) + ")" : command.name,
      "aria-keyshortcuts": command.keys || null,
      "aria-haspopup": command.dialog ? "dialog" : null,
      text: command.name + (command.dialog ? " …" : "") });
    if (command.name === "Bild eller fil" && !fileDialog) {
      button.setAttribute("aria-disabled", "true");
      button.title = "Bild eller fil: spara sidan först";
    }
    button.addEventListener("click", function () { command.run(button); });
    toolbar.append(button);
    return button;
  });

  // "Kortkommandon": a short help under the toolbar.
  var helpId = newId("kortkommandon");
  var helpButton = h("button", { type: "button", class: "editor-button", "aria-expanded": "false",
    "aria-controls": helpId, text: "Kortkommandon" });
  toolbar.append(helpButton);
  buttons.push(helpButton);
  var help = h("div", { id: helpId, class: "editor-help", hidden: true }, [
    h("p", { class: "editor-help-title", text: "Kortkommandon i textrutan" }),
    h("ul", {}, COMMANDS.filter(function (c) { return c.keys; }).map(function (c) {
      return h("li", {}, [h("kbd", { text: shown(c.keys) }), document.createTextNode(" " + c.name)]);
    }).concat([
      h("li", {}, [h("kbd", { text: shown(HEADING_KEYS + "0") }), document.createTextNode(" Vanlig text (ingen rubrik)")]),
      h("li", {}, [h("kbd", { text: "Enter" }), document.createTextNode(" i en lista: nästa punkt; i en tom punkt: listan slutar")]),
      h("li", {}, [h("kbd", { text: "Tab" }), document.createTextNode(" lämnar textrutan. I verktygsraden flyttar pilarna mellan knapparna.")])
    ])),
    h("p", { text: "Text som klistras in från Word eller en webbsida behåller rubriker, listor, tabeller, länkar, fet och kursiv stil." })
  ]);
  helpButton.addEventListener("click", function () {
    var open = help.hidden;
    help.hidden = !open;
    helpButton.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // One tab stop for the toolbar; the arrow keys, Home and End move between its buttons.
  var focusAt = 0;
  function rove(to) {
    focusAt = (to + buttons.length) % buttons.length;
    buttons.forEach(function (b, i) { b.tabIndex = i === focusAt ? 0 : -1; });
    buttons[focusAt].focus();
  }
  buttons.forEach(function (b, i) {
    b.tabIndex = i === 0 ? 0 : -1;
    b.addEventListener("focus", function () { focusAt = i; buttons.forEach(function (x, j) { x.tabIndex = j === i ? 0 : -1; }); });
  });
  toolbar.addEventListener("keydown", function (event) {
    var moves = { ArrowRight: focusAt + 1, ArrowLeft: focusAt - 1, Home: 0, End: buttons.length - 1 };
    if (event.key in moves) { event.preventDefault(); rove(moves[event.key]); }
  });

  textarea.parentNode.insertBefore(toolbar, textarea);
  textarea.parentNode.insertBefore(help, textarea);
  textarea.parentNode.insertBefore(status, textarea);
  root.classList.add("editor-enhanced");

  // --- keyboard shortcuts -----------------------------------------------------------------------

  textarea.addEventListener("keydown", function (event) {
    if (event.isComposing) { return; }
    if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey && !event.altKey) {
      continueList(event);
      return;
    }
    var primary = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
    if (!primary) { return; }
    // Digits by their physical key: with Shift (or Option) the character is "\"", "/" or "™".
    var digit = (/^Digit(\d)$/.exec(event.code || "") || [])[1];
    var headingKeys = mac ? event.altKey && !event.shiftKey : event.shiftKey && !event.altKey;
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var run = null;
    if (digit && headingKeys && "023".indexOf(digit) >= 0) {
      run = function () { setHeading(parseInt(digit, 10)); };
    } else if (digit && event.shiftKey && !event.altKey && (digit === "7" || digit === "8")) {
      run = function () { toggleList(digit === "7"); };
    } else if (!event.altKey && !event.shiftKey) {
      if (key === "b") { run = function () { toggleInline("**", "fet text"); }; }
      else if (key === "i") { run = function () { toggleInline("*", "kursiv text"); }; }
      else if (key === "k") { run = function () { linkDialog.open(null); }; }
    }
    if (run) { event.preventDefault(); run(); }
  });

  // --- paste from Word and web pages ----------------------------------------------------------------

  textarea.addEventListener("paste", function (event) {
    var data = event.clipboardData;
    var html = data && data.getData("text/html");
    if (!html) { return; }  // plain text: the browser pastes it
    var text;
    try { text = md.fromHtml(html); } catch (e) { return; }
    if (!text) { return; }
    event.preventDefault();
    var s = selection();
    replaceRange(s.start, s.end, text);
  });

  // --- live preview ---------------------------------------------------------------------------

  var pane = root.querySelector(".live-preview");
  var target = pane && pane.querySelector(".prose");
  var previewTimer = null;
  function refresh() {
    var body = new URLSearchParams();
    body.set("source", textarea.value);
    body.set("csrf_token", token);
    fetchJson(root.getAttribute("data-preview-url"), { method: "POST", body: body }).then(function (answer) {
      if (answer.ok && typeof answer.data.html === "string") { target.innerHTML = answer.data.html; pane.hidden = false; }
    }).catch(function () { /* the preview is optional */ });
  }
  if (pane && target) {
    textarea.addEventListener("input", function () { clearTimeout(previewTimer); previewTimer = setTimeout(refresh, 400); });
    // Beside the text on a wide screen from the start; on a narrow one below it once something is typed.
    if (window.matchMedia && window.matchMedia("(min-width: 70rem)").matches) {
      if (textarea.value.trim()) { refresh(); }
      else { target.append(h("p", { class: "meta", text: "Här visas texten som den kommer att se ut." })); pane.hidden = false; }
    }
  }

  // --- the text kept in this browser until it is saved -------------------------------------------

  var draftKey = root.getAttribute("data-draft-key");
  var initial = textarea.value;
  var submitting = false;
  var draftTimer = null;

  // A page template filled in (templates.js) is the starting text, not an unsaved change.
  textarea.addEventListener("kb:template-filled", function () { initial = textarea.value; });

  function store(kind) { try { return window[kind]; } catch (e) { return null; } }
  var local = store("localStorage"), session = store("sessionStorage");

  function read(where) {
    try { return JSON.parse(where.getItem(draftKey) || "null"); } catch (e) { return null; }
  }

  function same(a, b) { return a.replace(/\r\n?/g, "\n").trim() === b.replace(/\r\n?/g, "\n").trim(); }

  function saveDraft() {
    if (!local) { return; }
    try {
      if (same(textarea.value, initial)) { local.removeItem(draftKey); return; }
      local.setItem(draftKey, JSON.stringify({ text: textarea.value, base: baseInput ? baseInput.value : "",
        saved: new Date().toISOString() }));
    } catch (e) { /* storage full or off: the form still works */ }
  }

  function offer(draft) {
    var when = new Date(draft.saved);
    var time = isNaN(when) ? "" : " från " + when.toLocaleString("sv-SE", { dateStyle: "long", timeStyle: "short" });
    var notice = h("div", { class: "notice editor-draft", role: "status" });
    var done = function (message) {
      notice.remove();
      flash(message);
      textarea.focus();
    };
    notice.append(
      h("p", { text: "Det finns en osparad text" + time + " i den här webbläsaren. Vill du fortsätta med den?" }),
      h("div", { class: "actions" }, [
        h("button", { type: "button", text: "Återställ utkastet", onclick: function () {
          replaceRange(0, textarea.value.length, draft.text, 0);
          // Saved against the version it began from, so what others saved since is merged, not lost.
          if (baseInput && draft.base) { baseInput.value = draft.base; }
          saveDraft();
          done("Utkastet är återställt. Spara sidan för att behålla det.");
        } }),
        h("button", { type: "button", class: "secondary", text: "Släng utkastet", onclick: function () {
          if (local) { local.removeItem(draftKey); }
          done("Utkastet slängdes.");
        } })
      ]));
    toolbar.parentNode.insertBefore(notice, toolbar);
  }

  if (draftKey && local) {
    var draft = read(local);
    // Sent but perhaps never saved (the session had expired): kept for this tab only.
    var sent = session ? read(session) : null;
    if (session) { session.removeItem(draftKey); }
    if (!draft && sent && Date.now() - new Date(sent.saved).getTime() < 12 * 3600 * 1000) { draft = sent; }
    if (draft && typeof draft.text === "string" && !same(draft.text, textarea.value)) {
      if (draft === sent) { local.setItem(draftKey, JSON.stringify(sent)); }
      offer(draft);
    } else if (draft) {
      local.removeItem(draftKey);
    }
    textarea.addEventListener("input", function () { clearTimeout(draftTimer); draftTimer = setTimeout(saveDraft, 500); });
  }

  // Sending the form ends the draft; a copy stays with this tab in case the save never arrives.
  form.addEventListener("submit", function () {
    submitting = true;
    if (!draftKey || !local) { return; }
    clearTimeout(draftTimer);
    local.removeItem(draftKey);
    if (session && !same(textarea.value, initial)) {
      try {
        session.setItem(draftKey, JSON.stringify({ text: textarea.value, base: baseInput ? baseInput.value : "",
          saved: new Date().toISOString() }));
      } catch (e) { /* optional */ }
    }
  });

  // A warning before leaving with changes that are not saved.
  window.addEventListener("beforeunload", function (event) {
    if (submitting || same(textarea.value, initial)) { return; }
    event.preventDefault();
    event.returnValue = "";
  });
})();
