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
        out.push({src: src, tgt: tgt, score: Number(bead.dataset.score), scoreText: bead.dataset.score, status: "kept", src_text: srcText, tgt_text: tgtText});
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
      beads: corrected().map(function (b) { delete b.scoreText; return b; })
    };
    var text = JSON.stringify(data, null, 1) + "\n";
    show(text);
    download(main.dataset.stem + ".reviewed.json", "application/json", text);
  });
})();
