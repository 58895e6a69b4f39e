// Progressive enhancement only: every feature works without this file.
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce it.
  var summary = document.getElementById("felsammanfattning");
  if (summary) { summary.focus(); }
  // The page editor (toolbar, paste, live preview, drafts) is js/editor.js, on the edit page only.
})();

// Show only the structured fields of the chosen page type.
(function () {
  "use strict";
  var select = document.querySelector("select#type");
  var groups = document.querySelectorAll(".facts-fields[data-type]");
  if (!select || !groups.length) { return; }
  var sync = function () {
    groups.forEach(function (g) { g.hidden = g.getAttribute("data-type") !== select.value; });
  };
  select.addEventListener("change", sync);
  sync();
})();

// On a phone, fold the search filters so the hits come first (a tap on the summary opens them).
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 50rem)").matches) { return; }
  document.querySelectorAll("details[data-fold-narrow]").forEach(function (el) { el.open = false; });
})();

// A table's scroll box is a tab stop only while it has something to scroll (the HTML makes every
// box focusable, so without this script a keyboard can always scroll a wide table).
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".table-wrap[tabindex]");
  if (!boxes.length) { return; }
  var sync = function () {
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else if (document.activeElement !== box) {
        box.setAttribute("tabindex", "-1");
      }
    });
  };
  var timer = null;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(sync, 150); });
  sync();
})();

// Ids in page text carry kb.sanitize's "user-content-" prefix, so that a heading never takes the id
// of an element of the page around it. A link or bookmark with the bare name (/sida/x#avsnitt,
// written before the prefix or by hand) still scrolls to the heading; without this script the page
// opens at the top.
(function () {
  "use strict";
  var follow = function () {
    var name;
    try { name = decodeURIComponent(window.location.hash.slice(1)); } catch (e) { return; }
    if (!name || document.getElementById(name)) { return; }
    var target = document.getElementById("user-content-" + name);
    if (target) { target.scrollIntoView(); }
  };
  window.addEventListener("hashchange", follow);
  follow();
})();

// Browsers send a form when Enter is pressed in a one-line field, which in the page edit form saved
// half-done edits (Enter after the Titel, Adress or Etiketter). There only Spara saves: Enter in a
// one-line field does nothing, in the text box it still starts a new line, on a button it presses it.
(function () {
  "use strict";
  var buttons = { submit: true, button: true, reset: true, image: true };
  document.querySelectorAll("form[data-no-enter-submit]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      var el = event.target;
      if (event.key === "Enter" && !event.isComposing && el.tagName === "INPUT" && !buttons[el.type]) {
        event.preventDefault();
      }
    });
  });
})();

// The page editor (js/editor.js) keeps a copy of the text it sent for its tab, to offer it again if
// the save never arrived (an expired session). A page that says something was saved ends that.
(function () {
  "use strict";
  if (document.querySelector(".editor") || !document.querySelector(".flash-success")) { return; }
  try {
    var store = window.sessionStorage;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf("kb-utkast:") === 0) { store.removeItem(key); }
    }
  } catch (e) { /* storage off: nothing kept */ }
})();
