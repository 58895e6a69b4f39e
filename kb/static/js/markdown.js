// Markdown helpers for the page editor (editor.js): pasted HTML to Markdown, and GFM tables.
// Pure functions on strings and detached documents, published as window.KbMarkdown; nothing here
// touches the page. The rules follow kb/html_markdown.py (the Word import) where both meet.
(function () {
  "use strict";

  // --- text ---------------------------------------------------------------------------------

  // Characters that could start Markdown, HTML or a wiki link anywhere in a line (as html_markdown.py).
  var INLINE_SPECIAL = /([\\`*_\[\]<>|~])/g;
  // What could start a block at the beginning of a line: a heading, quote, list item or rule.
  var LINE_START = /^(\s*)([#>+=-]|\d+[.)])/;
  var SPACE = /[ \t\r\n\f\v\u00a0]+/g;
  // A hard line break while inline text is collected; becomes "\" + newline (or <br> in a cell).
  var BREAK = "\uE000";

  function escapeText(text) {
    return text.replace(INLINE_SPECIAL, "\\$1").replace(/&(?=#?\w+;)/g, "&amp;");
  }

  function escapeLineStart(line) {
    var m = LINE_START.exec(line);
    if (!m) { return line; }
    var lead = m[1], marker = m[2], rest = line.slice(m[0].length);
    var last = marker.charAt(marker.length - 1);
    if (last === "." || last === ")") { return lead + marker.slice(0, -1) + "\\" + last + rest; }
    return lead + "\\" + marker + rest;
  }

  // Emphasis around `inner`, its outer spaces moved outside (CommonMark ignores "** fet **").
  function wrap(marker, inner) {
    var stripped = inner.trim();
    if (!stripped) { return inner; }
    var lead = inner.slice(0, inner.length - inner.replace(/^\s+/, "").length);
    var trail = inner.slice(inner.replace(/\s+$/, "").length);
    return lead + marker + stripped + marker + trail;
  }

  function linkTarget(href) {
    href = (href || "").trim();
    // Only web addresses, e-mail and paths on this site; never javascript:, data:, file: or a
    // bookmark of the source document (#_Toc…).
    if (!/^(https?:\/\/|mailto:|\/(?!\/))/i.test(href)) { return ""; }
    return href.replace(/[\s()<>]/g, function (c) { return "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"); });
  }

  // --- pasted HTML ----------------------------------------------------------------------------

  var SKIPPED = { style: 1, script: 1, meta: 1, link: 1, title: 1, head: 1, xml: 1, template: 1, noscript: 1,
    iframe: 1, object: 1, embed: 1, svg: 1, math: 1, img: 1, picture: 1, video: 1, audio: 1, canvas: 1,
    input: 1, button: 1, select: 1, textarea: 1, "o:p": 1 };
  var BLOCKS = { p: 1, div: 1, h1: 1, h2: 1, h3: 1, h4: 1, h5: 1, h6: 1, ul: 1, ol: 1, li: 1, table: 1,
    blockquote: 1, pre: 1, hr: 1, section: 1, article: 1, header: 1, footer: 1, main: 1, aside: 1, nav: 1,
    figure: 1, figcaption: 1, dl: 1, dt: 1, dd: 1, address: 1, center: 1, body: 1, tr: 1, td: 1, th: 1,
    thead: 1, tbody: 1, tfoot: 1, caption: 1 };
  var BLOCK_SELECTOR = "p,div,h1,h2,h3,h4,h5,h6,ul,ol,li,table,blockquote,pre,hr,section,article,dl";

  function tagOf(el) { return (el.localName || el.nodeName || "").toLowerCase(); }

  function styleOf(el) { return (el.getAttribute && el.getAttribute("data-style") || "").toLowerCase().replace(/\s+/g, ""); }

  function hidden(el) {
    var style = styleOf(el);
    return /display:none|visibility:hidden|mso-hide:all/.test(style) || el.hasAttribute("hidden");
  }

  // Word's list paragraphs: <p class="MsoListParagraph…" style="mso-list:l0 level2 lfo1">.
  // (Numbered headings carry mso-list too, but stay headings.)
  function wordListLevel(el) {
    if (el.nodeType !== 1 || tagOf(el) !== "p") { return 0; }
    var m = /mso-list:l\d+level(\d+)/.exec(styleOf(el));
    return m ? parseInt(m[1], 10) : 0;
  }

  // Between two paragraphs of one Word list: nothing but comments and white space.
  function between(node) {
    return node.nodeType === 8 || (node.nodeType === 3 && !node.data.trim());
  }

  function isWordMarker(el) {
    return el.nodeType === 1 && /mso-list:ignore/.test(styleOf(el));
  }

  function Converter(shift) {
    this.shift = shift;  // heading levels to move down (1 when the pasted text has an <h1>)
  }

  // Inline Markdown for the children of `el`; `fmt` says which emphasis is already open.
  Converter.prototype.inline = function (el, fmt) {
    var out = "";
    for (var node = el.firstChild; node; node = node.nextSibling) { out += this.inlineNode(node, fmt); }
    return out;
  };

  Converter.prototype.inlineNode = function (node, fmt) {
    if (node.nodeType === 3) { return escapeText(node.data.replace(SPACE, " ")); }
    if (node.nodeType !== 1) { return ""; }
    var tag = tagOf(node);
    if (SKIPPED[tag] || hidden(node) || isWordMarker(node) || /^v:/.test(tag)) { return ""; }
    if (tag === "br") { return BREAK; }
    var style = styleOf(node);
    // Word writes <b style="mso-bidi-font-weight:normal">: only a property of its own counts.
    var bold = tag === "strong" || (tag === "b" && !/(^|;)font-weight:(normal|[1-4]00)/.test(style)) ||
      /(^|;)font-weight:(bold|[6-9]00)/.test(style);
    var italic = tag === "em" || (tag === "i" && !/(^|;)font-style:normal/.test(style)) ||
      /(^|;)font-style:italic/.test(style);
    var strike = tag === "s" || tag === "del" || tag === "strike";
    if (tag === "a") { return this.link(node, fmt); }
    if (tag === "code" && tagOf(node.parentNode) !== "pre") {
      var code = node.textContent.replace(SPACE, " ");
      return code ? "`" + code.replace(/`/g, "'") + "`" : "";
    }
    var inner;
    var open = { bold: fmt.bold || bold, italic: fmt.italic || italic, strike: fmt.strike || strike };
    inner = this.inline(node, open);
    if (BLOCKS[tag]) { inner = " " + inner + " "; }
    if (strike && !fmt.strike) { inner = wrap("~~", inner); }
    if (italic && !fmt.italic) { inner = wrap("*", inner); }
    if (bold && !fmt.bold) { inner = wrap("**", inner); }
    return inner;
  };

  Converter.prototype.link = function (node, fmt) {
    var text = this.inline(node, fmt);
    var target = linkTarget(node.getAttribute("href"));
    if (!target || !text.trim()) { return text; }
    return "[" + text.trim() + "](" + target + ")";
  };

  // A paragraph: inline Markdown, whitespace collapsed, each line's start escaped.
  Converter.prototype.paragraph = function (el, lineBreak) {
    return this.finish(this.inline(el, {}), lineBreak);
  };

  Converter.prototype.finish = function (text, lineBreak) {
    var lines = text.replace(/ +/g, " ").split(BREAK).map(function (l) { return l.trim(); })
      .filter(function (l) { return l; });
    if (lineBreak === "<br>") { return lines.join("<br>"); }
    return lines.map(escapeLineStart).join(lineBreak || "\\\n");
  };

  // Markdown blocks for the children of `el`; loose inline content becomes a paragraph.
  Converter.prototype.blocks = function (el) {
    var out = [], pending = "", self = this;
    var flush = function () {
      var text = self.finish(pending);
      if (text) { out.push(text); }
      pending = "";
    };
    var node = el.firstChild;
    while (node) {
      if (node.nodeType === 1 && wordListLevel(node)) {
        flush();
        var items = [];
        while (node && (wordListLevel(node) || between(node))) {
          if (node.nodeType === 1) { items.push(this.wordItem(node)); }
          node = node.nextSibling;
        }
        out.push(renderItems(items));
        continue;
      }
      if (node.nodeType === 1 && !SKIPPED[tagOf(node)] && !hidden(node) &&
          (BLOCKS[tagOf(node)] || (node.querySelector && node.querySelector(BLOCK_SELECTOR)))) {
        flush();
        out.push.apply(out, this.block(node));
      } else {
        pending += this.inlineNode(node, {});
      }
      node = node.nextSibling;
    }
    flush();
    return out;
  };

  Converter.prototype.wordItem = function (el) {
    var marker = "";
    el.querySelectorAll("span").forEach(function (span) {
      if (!marker && isWordMarker(span)) { marker = span.textContent.replace(SPACE, "").trim(); }
    });
    return {
      level: wordListLevel(el),
      ordered: /^([0-9]+|[a-z]|[ivxlc]+)[.)]$/i.test(marker),
      text: this.paragraph(el, " ")
    };
  };

  Converter.prototype.block = function (el) {
    var tag = tagOf(el), text;
    if (/^h[1-6]$/.test(tag) || /msotitle/i.test(el.className || "")) {
      var level = tag.charAt(0) === "h" ? parseInt(tag.charAt(1), 10) : 1;
      text = this.finish(this.inline(el, {}), " ");
      return text ? ["#".repeat(Math.min(level + this.shift, 6)) + " " + text] : [];
    }
    if (tag === "p" || tag === "dt" || tag === "dd" || tag === "figcaption" || tag === "caption" || tag === "address") {
      if (el.querySelector(BLOCK_SELECTOR)) { return this.blocks(el); }
      text = this.paragraph(el);
      return text ? [text] : [];
    }
    if (tag === "ul" || tag === "ol") {
      var items = [];
      this.listItems(el, 1, items);
      return items.length ? [renderItems(items)] : [];
    }
    if (tag === "table") {
      text = this.table(el);
      return text ? [text] : [];
    }
    if (tag === "hr") { return ["---"]; }
    if (tag === "pre") {
      var code = el.textContent.replace(/\n$/, "");
      var fence = /```/.test(code) ? "~~~" : "```";
      return code.trim() ? [fence + "\n" + code + "\n" + fence] : [];
    }
    if (tag === "blockquote") {
      var inner = this.blocks(el).join("\n\n");
      return inner ? [inner.split("\n").map(function (l) { return l ? "> " + l : ">"; }).join("\n")] : [];
    }
    return this.blocks(el);
  };

  // The items of an HTML list, nested lists one level deeper: {level, ordered, text}.
  Converter.prototype.listItems = function (list, level, items) {
    var ordered = tagOf(list) === "ol";
    for (var li = list.firstElementChild; li; li = li.nextElementSibling) {
      if (tagOf(li) === "ul" || tagOf(li) === "ol") { this.listItems(li, level + 1, items); continue; }
      if (tagOf(li) !== "li") { continue; }
      var nested = [], text = "";
      for (var node = li.firstChild; node; node = node.nextSibling) {
        var tag = node.nodeType === 1 ? tagOf(node) : "";
        if (tag === "ul" || tag === "ol") { nested.push(node); }
        else if (tag && BLOCKS[tag]) { text += BREAK + this.inline(node, {}) + BREAK; }
        else { text += this.inlineNode(node, {}); }
      }
      items.push({ level: level, ordered: ordered, text: this.finish(text, " ") });
      for (var i = 0; i < nested.length; i++) { this.listItems(nested[i], level + 1, items); }
    }
  };

  Converter.prototype.table = function (table) {
    var self = this, rows = [];
    Array.prototype.forEach.call(table.rows || [], function (tr) {
      var cells = [];
      Array.prototype.forEach.call(tr.cells, function (cell) {
        cells.push(self.cell(cell));
        var span = Math.min(parseInt(cell.getAttribute("colspan") || "1", 10) || 1, 50);
        for (var i = 1; i < span; i++) { cells.push(""); }
      });
      if (cells.length) { rows.push(cells); }
    });
    if (!rows.length) { return ""; }
    // The header row is bold already: Word's bold header cells need no ** of their own.
    rows[0] = rows[0].map(function (c) { return /^\*\*(?!.*\*\*.*\*\*)(.+)\*\*$/.test(c) ? c.slice(2, -2) : c; });
    return formatTable({ rows: rows, align: [] });
  };

  // A cell on one line: its paragraphs and list items joined by <br> (the one break inside a cell).
  Converter.prototype.cell = function (cell) {
    var text = "", self = this;
    var walk = function (el) {
      for (var node = el.firstChild; node; node = node.nextSibling) {
        var tag = node.nodeType === 1 ? tagOf(node) : "";
        if (tag && !SKIPPED[tag] && !hidden(node) && (BLOCKS[tag] || node.querySelector(BLOCK_SELECTOR))) {
          text += BREAK;
          walk(node);
          text += BREAK;
        } else {
          text += self.inlineNode(node, {});
        }
      }
    };
    walk(cell);
    // Cells are escaped text already ("|" too), so formatTable must not escape them again.
    return this.finish(text, "<br>");
  };

  // A list from items {level, ordered, text}: "-" or "1." markers, nested items indented under
  // their parent's text (so a "10." item's children get four spaces).
  function renderItems(items) {
    var lines = [], stack = [];
    items.forEach(function (item) {
      while (stack.length && stack[stack.length - 1].level > item.level) { stack.pop(); }
      var top = stack[stack.length - 1];
      if (top && top.level === item.level && top.ordered !== item.ordered) {
        top.ordered = item.ordered;  // another kind of list right after: a new list at the same depth
        top.n = 0;
      } else if (!top || top.level < item.level) {
        top = { level: item.level, ordered: item.ordered, n: 0, width: 2,
          indent: top ? top.indent + top.width : 0 };
        stack.push(top);
      }
      top.n += 1;
      var marker = top.ordered ? top.n + ". " : "- ";
      top.width = marker.length;
      lines.push(" ".repeat(top.indent) + marker + item.text);
    });
    return lines.join("\n");
  }

  // Markdown for HTML from the clipboard (Word, web pages, Google Docs). Returns "" when nothing
  // readable is left. Headings keep their level, except that the page's title is its only <h1>:
  // when the pasted text has an <h1> (or a Word title), every heading moves one level down.
  function fromHtml(html) {
    // Style sheets go, and style attributes are renamed before parsing: the parsed document shares
    // the page's Content-Security-Policy, which would refuse (and report) every inline style.
    html = html.replace(/<style[\s\S]*?<\/style\s*>/gi, "").replace(/<[a-z][^>]*>/gi, function (tag) {
      return tag.replace(/(\s)style(\s*=)/gi, "$1data-style$2");
    });
    var doc = new DOMParser().parseFromString(html, "text/html");
    var body = doc.body;
    if (!body) { return ""; }
    var shift = body.querySelector("h1, p.MsoTitle") ? 1 : 0;
    var text = new Converter(shift).blocks(body).join("\n\n");
    return text.replace(/\n{3,}/g, "\n\n").trim();
  }

  // --- GFM tables -----------------------------------------------------------------------------

  var DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

  // The cells of a table row: split at unescaped "|", outer pipes dropped, cells trimmed.
  function splitRow(line) {
    var cells = [], cell = "", s = line.trim();
    if (s.charAt(0) === "|") { s = s.slice(1); }
    for (var i = 0; i < s.length; i++) {
      var c = s.charAt(i);
      if (c === "\\" && i + 1 < s.length) { cell += c + s.charAt(i + 1); i += 1; }
      else if (c === "|") { cells.push(cell.trim()); cell = ""; }
      else { cell += c; }
    }
    if (cell.trim() || !/\|\s*$/.test(line)) { cells.push(cell.trim()); }
    return cells;
  }

  // The table around line `lineNo` of `lines`, or null: {start, end (exclusive), rows, align}.
  // Cells are as a person reads them ("\|" shown as "|").
  function findTable(lines, lineNo) {
    var isRow = function (l) { return l !== undefined && l.indexOf("|") >= 0 && l.trim() !== ""; };
    if (!isRow(lines[lineNo])) { return null; }
    var start = lineNo, end = lineNo + 1;
    while (start > 0 && isRow(lines[start - 1])) { start -= 1; }
    while (end < lines.length && isRow(lines[end])) { end += 1; }
    // The table starts at the header row right above the first delimiter row.
    for (var i = start + 1; i < end; i++) {
      if (DELIMITER.test(lines[i]) && i - 1 <= lineNo) { start = i - 1; break; }
      if (i > lineNo) { return null; }
    }
    if (!DELIMITER.test(lines[start + 1] || "")) { return null; }
    var header = splitRow(lines[start]);
    var align = splitRow(lines[start + 1]).map(function (d) {
      var left = d.charAt(0) === ":", right = d.charAt(d.length - 1) === ":";
      return left && right ? "center" : right ? "right" : left ? "left" : "";
    });
    var rows = [header];
    for (var r = start + 2; r < end; r++) { rows.push(splitRow(lines[r])); }
    var width = Math.max.apply(null, rows.map(function (row) { return row.length; }));
    rows = rows.map(function (row) {
      while (row.length < width) { row.push(""); }
      return row.slice(0, width).map(function (c) { return c.replace(/\\\|/g, "|"); });
    });
    return { start: start, end: end, rows: rows, align: align.slice(0, width) };
  }

  function cellWidth(text) { return Array.from(text).length; }

  // A GFM table, columns padded to line up; `escape`: cells are plain text whose "|" needs "\|".
  function formatTable(table, escape) {
    var rows = table.rows.map(function (row) {
      return row.map(function (c) {
        c = String(c).replace(/[\r\n]+/g, " ").trim();
        return escape ? c.replace(/\\?\|/g, "\\|") : c;
      });
    });
    var width = Math.max.apply(null, rows.map(function (row) { return row.length; }));
    var widths = [];
    for (var col = 0; col < width; col++) {
      widths.push(Math.max(3, Math.max.apply(null, rows.map(function (row) { return cellWidth(row[col] || ""); }))));
    }
    var line = function (cells) {
      return "| " + widths.map(function (w, i) {
        var c = cells[i] || "";
        return c + " ".repeat(w - cellWidth(c));
      }).join(" | ") + " |";
    };
    var delimiter = "| " + widths.map(function (w, i) {
      var a = (table.align || [])[i] || "";
      if (a === "center") { return ":" + "-".repeat(w - 2) + ":"; }
      if (a === "right") { return "-".repeat(w - 1) + ":"; }
      if (a === "left") { return ":" + "-".repeat(w - 1); }
      return "-".repeat(w);
    }).join(" | ") + " |";
    var out = [line(rows[0]), delimiter];
    for (var r = 1; r < rows.length; r++) { out.push(line(rows[r])); }
    return out.join("\n");
  }

  window.KbMarkdown = {
    fromHtml: fromHtml,
    escapeText: escapeText,
    findTable: findTable,
    formatTable: formatTable,
    linkTarget: linkTarget
  };
})();
