// Ny sida: fill in the chosen page type's template, or an own one, as soon as it is chosen, without
// overwriting text the user wrote (kb/templates/pages/_template_choice.html). Without JavaScript the
// button "Använd mallen" sends the form and the server fills the template in, with the same care.
(function () {
  "use strict";
  var box = document.querySelector("[data-template-choice]");
  var dataEl = document.getElementById("mall-data");
  if (!box || !dataEl) { return; }
  var form = box.closest("form");
  var typeSelect = form.querySelector("select#type");
  var choice = form.querySelector("select#template");
  var source = form.querySelector("textarea#source");
  var button = form.querySelector("#use_template");
  var status = document.getElementById("mall-status");
  if (!typeSelect || !choice || !source) { return; }
  var data = JSON.parse(dataEl.textContent);
  var STANDARD = "standard";
  var EMPTY = "ingen";

  // As the server compares texts (kb.services.pages.normalize_source).
  var norm = function (text) {
    return text.replace(/\r\n?/g, "\n").split("\n").map(function (line) { return line.replace(/\s+$/, ""); })
      .join("\n").replace(/^\n+|\n+$/g, "");
  };
  var area = function () {
    var el = form.elements.namedItem("area");
    return el && el.value ? el.value : null;
  };
  var offered = function (type) {
    return data.templates.filter(function (t) { return t.type === type && (t.area === null || t.area === area()); });
  };
  var defaultText = function (type) {
    var own = offered(type).filter(function (t) { return t.default; });
    var chosen = own.filter(function (t) { return t.area !== null; })[0] || own[0];
    return chosen ? chosen.source : (data.builtin[type] || "");
  };
  var textFor = function (value, type) {
    if (value === EMPTY) { return ""; }
    var found = offered(type).filter(function (t) { return t.id === value; })[0];
    return found ? found.source : defaultText(type);
  };
  // Empty, or a template's text as it was filled in: nothing of the user's own to lose.
  var untouched = function (text) {
    text = norm(text);
    if (!text) { return true; }
    var known = Object.keys(data.builtin).map(function (k) { return data.builtin[k]; })
      .concat(data.templates.map(function (t) { return t.source; }));
    return known.some(function (k) { return norm(k) === text; });
  };
  var rebuild = function () {
    var type = typeSelect.value;
    var keep = choice.value;
    var options = [[STANDARD, "Standard för " + (data.labels[type] || type)]]
      .concat(offered(type).map(function (t) { return [t.id, t.name]; }), [[EMPTY, "Ingen mall (tom sida)"]]);
    while (choice.options.length) { choice.remove(0); }
    options.forEach(function (o) { choice.add(new Option(o[1], o[0])); });
    choice.value = options.some(function (o) { return o[0] === keep; }) ? keep : STANDARD;
  };
  var fill = function (ask) {
    var text = textFor(choice.value, typeSelect.value);
    var name = choice.options[choice.selectedIndex] ? choice.options[choice.selectedIndex].text : "";
    if (norm(source.value) === norm(text)) { return; }
    if (!untouched(source.value)) {
      if (!ask) {
        status.textContent = "Du har skrivit egen text, så mallen fylldes inte i. Välj ”Använd mallen” om du vill " +
          "ersätta texten med mallen.";
        return;
      }
      if (!window.confirm("Ersätta texten i textrutan med mallen ”" + name + "”? Det du har skrivit försvinner.")) {
        return;
      }
    }
    source.value = text;
    // A template is where the page starts, not a change of the user's: editor.js takes it as the text
    // to compare with (no draft kept, no warning on leaving) and the live preview follows the input.
    source.dispatchEvent(new Event("kb:template-filled", { bubbles: true }));
    source.dispatchEvent(new Event("input", { bubbles: true }));
    status.textContent = text ? "Mallen ”" + name + "” fylldes i." : "Textrutan tömdes.";
  };
  var changed = function () { rebuild(); fill(false); };
  typeSelect.addEventListener("change", changed);
  var areaSelect = form.querySelector("select#area");
  if (areaSelect) { areaSelect.addEventListener("change", changed); }
  choice.addEventListener("change", function () { fill(false); });
  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      fill(true);
    });
  }
})();
