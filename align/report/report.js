// align review page: mark beads as wrong, show only flagged beads, export the corrected alignment.
// A wrong bead's sentences become unmatched ([i]:[] and []:[j]) in the export, so the result
// still lists every sentence exactly once, in order: a bead file that `align eval` reads.
(function () {
  "use strict";
  var main = document.getElementById("beads");
  var beads = Array.prototype.slice.call(main.querySelectorAll(".bead"));
  var counter = document.getElementById("marked-count");
  var output = document.getElementById("export-text");

  function ids(value) {
    return value ? value.split(",").map(Number) : [];
  }

  function texts(bead, side) {
    return Array.prototype.map.call(bead.querySelectorAll(".side." + side + " .s"), function (s) {
      return s.textContent;
    });
  }

  function corrected() {
    var out = [];
    beads.forEach(function (bead) {
      var src = ids(bead.dataset.src), tgt = ids(bead.dataset.tgt);
      var srcText = texts(bead, "src"), tgtText = texts(bead, "tgt");
      if (bead.classList.contains("wrong")) {
        src.forEach(function (i, k) { out.push({src: [i], tgt: [], score: 0, scoreText: "0.0", status: "split", src_text: [srcText[k]], tgt_text: []}); });
        tgt.forEach(function (j, k) { out.push({src: [], tgt: [j], score: 0, scoreText: "0.0", status: "split", src_text: [], tgt_text: [tgtText[k]]}); });
      } else {
        out.push({src: src, tgt: tgt, score: Number(bead.dataset.score), scoreText: bead.dataset.score, status: "kept", src_text: srcText, tgt_text: tgtText,
                  tmxScore: bead.dataset.tmxScore, kind: bead.dataset.kind, filter: bead.dataset.filter || null});
      }
    });
    return out;
  }

  // Kept beads keep their score text as the page has it (as `align pair --format beads` writes it).
  function beadLine(b) {
    return "[" + b.src.join(",") + "]:[" + b.tgt.join(",") + "]:" + b.scoreText;
  }

  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], {type: type}));
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function marked() {
    return beads.filter(function (b) { return b.classList.contains("wrong"); }).map(function (b) { return Number(b.dataset.index); });
  }

  function show(text) {
    output.value = text;
    output.hidden = false;
  }

  main.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList.contains("mark")) return;
    box.closest(".bead").classList.toggle("wrong", box.checked);
    var n = marked().length;
    counter.textContent = n ? n + " marked wrong" : "";
  });

  document.getElementById("only-flagged").addEventListener("change", function (event) {
    document.body.classList.toggle("only-flagged", event.target.checked);
  });

  document.getElementById("export-beads").addEventListener("click", function () {
    var text = corrected().map(beadLine).join("\n") + "\n";
    show(text);
    download(main.dataset.stem + ".reviewed.beads", "text/plain", text);
  });

  document.getElementById("export-json").addEventListener("click", function () {
    var data = {
      src: {doc: main.dataset.srcName, lang: main.dataset.srcLang, sentences: Number(main.dataset.srcCount)},
      tgt: {doc: main.dataset.tgtName, lang: main.dataset.tgtLang, sentences: Number(main.dataset.tgtCount)},
      marked_wrong: marked(),
      beads: corrected().map(function (b) {
        delete b.scoreText; delete b.tmxScore; delete b.kind;
        if (!main.dataset.filters) delete b.filter;
        return b;
      })
    };
    if (main.dataset.filters) data.filters = JSON.parse(main.dataset.filters);
    var text = JSON.stringify(data, null, 1) + "\n";
    show(text);
    download(main.dataset.stem + ".reviewed.json", "application/json", text);
  });

  // The TMX download: what `align pair --format tmx` writes with the page's TM filters (applied
  // when the page was built: beads with data-filter are left out), less the beads marked wrong
  // (they become unmatched, which TMX leaves out). Units are written as lxml writes them.
  function xmlText(text) {
    return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#13;");
  }

  function xmlAttr(text) {
    return xmlText(text).replace(/"/g, "&quot;");
  }

  function tmxUnit(b, n) {
    var props = [["x-align-score", b.tmxScore], ["x-align-src-ids", b.src.join(",")], ["x-align-tgt-ids", b.tgt.join(",")]];
    if (b.kind) props.push(["x-align-kind", b.kind]);
    var lines = ['<tu tuid="' + n + '">'];
    props.forEach(function (p) { lines.push('      <prop type="' + p[0] + '">' + xmlText(p[1]) + "</prop>"); });
    [[main.dataset.srcLang, b.src_text], [main.dataset.tgtLang, b.tgt_text]].forEach(function (v) {
      lines.push('      <tuv xml:lang="' + xmlAttr(v[0].trim()) + '">', "        <seg>" + xmlText(v[1].join(" ")) + "</seg>", "      </tuv>");
    });
    lines.push("    </tu>");
    return lines.join("\n");
  }

  var tmxButton = document.getElementById("export-tmx");
  if (tmxButton) {
    tmxButton.addEventListener("click", function () {
      var units = corrected().filter(function (b) {
        return b.status === "kept" && b.src.length && b.tgt.length && !b.filter;
      });
      var now = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
      var head = main.dataset.tmxHead.replace(/creationdate="\d{8}T\d{6}Z"/, 'creationdate="' + now + '"');
      var wrong = marked().length;
      if (wrong) {
        head = head.replace(/\n  <\/header>/, '\n    <prop type="x-align-marked-wrong">' + wrong + "</prop>\n  </header>");
      }
      var text = head + units.map(function (b, k) { return "\n    " + tmxUnit(b, k + 1); }).join("") + main.dataset.tmxTail;
      show(text);
      download(main.dataset.stem + ".reviewed.tmx", "application/x-tmx+xml", text);
    });
  }
})();
