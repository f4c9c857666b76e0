// kernel.js is loaded by the classic Jupyter Notebook when a notebook uses
// the gopherprop kernel. Go code is indented with tabs (gofmt), and the
// notebook's CodeMirror theme draws every tab as an arrow; this hides the
// arrows so that Go cells look like Go.
define(function () {
  "use strict";
  return {
    onload: function () {
      var style = document.createElement("style");
      style.id = "gopherprop-tabs";
      style.textContent = ".cm-s-ipython span.cm-tab { background: none; }";
      if (!document.getElementById(style.id)) {
        document.head.appendChild(style);
      }
    },
  };
});
