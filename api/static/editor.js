// govkg query editor: SPARQL highlighting over a plain textarea, examples one click away,
// results as a table. Without this script the form still submits and the server renders
// the results (GET /sparql from a browser).
(function () {
  "use strict";
  var area = document.getElementById("query");
  var code = document.getElementById("highlight");
  var box = document.getElementById("editor");
  var form = document.getElementById("editor-form");
  if (!area || !code || !form) { return; }
  var KEYWORDS = /^(select|construct|describe|ask|where|from|named|prefix|base|distinct|reduced|optional|union|minus|graph|service|filter|bind|values|as|order|by|group|having|limit|offset|asc|desc|not|exists|in|a|count|sum|min|max|avg|sample|group_concat|separator|str|lang|langmatches|datatype|bound|iri|uri|bnode|regex|contains|strstarts|strends|lcase|ucase|concat|coalesce|if|isiri|isuri|isblank|isliteral|year|month|day|now|true|false|undef)$/i;
  var TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][A-Za-z_0-9\u00C0-\uFFFF]+)|([A-Za-z][\w-]*)?(:[\w\-.%]*)|(\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_]+)/g;
  function esc(text) { return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function span(cls, text) { return '<span class="' + cls + '">' + esc(text) + "</span>"; }
  var errorAt = null; // {line, column} of the last error, 1-based
  function highlight() {
    var text = area.value, out = "", last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      out += esc(text.slice(last, m.index));
      if (m[1]) { out += span("tok-cmt", m[1]); }
      else if (m[2]) { out += span("tok-str", m[2]); }
      else if (m[3]) { out += span("tok-iri", m[3]); }
      else if (m[4]) { out += span("tok-var", m[4]); }
      else if (m[6] !== undefined) { out += span("tok-pn", (m[5] || "") + m[6]); }
      else if (m[7]) { out += span("tok-num", m[7]); }
      else if (m[8]) { out += KEYWORDS.test(m[8]) ? span("tok-kw", m[8]) : esc(m[8]); }
      else { out += esc(m[0]); }
      last = TOKEN.lastIndex;
      if (m[0].length === 0) { TOKEN.lastIndex++; }
    }
    out += esc(text.slice(last));
    if (errorAt) { out = markError(text, out); }
    code.innerHTML = out + "\n";
    sync();
  }
  function markError(text, html) {
    // Re-render plainly with the error line marked: simpler than splicing into token spans.
    var lines = text.split("\n"), n = errorAt.line - 1;
    if (n < 0 || n >= lines.length) { return html; }
    return lines.map(function (line, i) {
      return i === n ? '<span class="tok-err" id="error-line">' + esc(line || " ") + "</span>" : esc(line);
    }).join("\n");
  }
  function sync() { code.parentNode.scrollTop = area.scrollTop; }
  box.classList.add("live");
  area.addEventListener("input", function () { errorAt = null; highlight(); });
  area.addEventListener("scroll", sync);
  area.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
  var results = document.getElementById("results");
  var errorBox = document.getElementById("error");
  var summary = document.getElementById("summary");
  var downloads = document.getElementById("downloads");
  var timeout = document.getElementById("timeout");
  function link(value) {
    var a = document.createElement("a");
    var base = "https://govkg.example/id/";
    var ours = value.indexOf(base) === 0;
    a.href = ours ? "/id/" + value.slice(base.length) : value;
    a.textContent = ours ? value.slice(base.length) : value;
    a.title = value;
    return a;
  }
  function showTable(data) {
    results.textContent = "";
    if (data.boolean !== undefined) { summary.textContent = String(data.boolean); return; }
    var vars = data.head.vars, rows = data.results.bindings;
    var table = document.createElement("table"); table.className = "results";
    var head = table.createTHead().insertRow();
    vars.forEach(function (v) { var th = document.createElement("th"); th.scope = "col"; th.textContent = v; head.appendChild(th); });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) {
        var td = tr.insertCell(), term = row[v];
        if (!term) { return; }
        if (term.type === "uri") { td.appendChild(link(term.value)); }
        else { td.textContent = term.value + (term["xml:lang"] ? " @" + term["xml:lang"] : ""); }
      });
    });
    results.appendChild(table);
    summary.textContent = rows.length + " rows";
  }
  function showError(text) {
    errorBox.hidden = false;
    errorBox.textContent = "";
    var pre = document.createElement("pre"); pre.textContent = text; errorBox.appendChild(pre);
    var m = /(?:line|at)\s*(\d+)(?::|,?\s*column\s*)(\d+)/i.exec(text);
    errorAt = m ? { line: parseInt(m[1], 10), column: parseInt(m[2], 10) } : null;
    if (errorAt) {
      var where = document.createElement("p");
      where.id = "error-position";
      where.textContent = "Line " + errorAt.line + ", column " + errorAt.column + ".";
      errorBox.appendChild(where);
    }
    highlight();
  }
  function setDownloads(query) {
    var q = encodeURIComponent(query);
    document.getElementById("download-csv").href = "/sparql?query=" + q + "&format=csv";
    document.getElementById("download-json").href = "/sparql?query=" + q + "&format=json";
    downloads.hidden = false;
  }
  function run() {
    var query = area.value;
    errorBox.hidden = true; errorAt = null; highlight();
    summary.textContent = "Running…";
    var body = new URLSearchParams({ query: query, timeout: timeout.value });
    fetch("/sparql", {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json, application/n-triples;q=0.5",
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      return response.text().then(function (text) { return { response: response, text: text }; });
    }).then(function (answer) {
      if (!answer.response.ok) {
        results.textContent = ""; summary.textContent = ""; downloads.hidden = true;
        showError(answer.text.trim());
        return;
      }
      setDownloads(query);
      var type = answer.response.headers.get("content-type") || "";
      if (type.indexOf("json") >= 0) { showTable(JSON.parse(answer.text)); }
      else {
        results.textContent = ""; var pre = document.createElement("pre");
        pre.textContent = answer.text; results.appendChild(pre);
        summary.textContent = answer.text.split("\n").filter(Boolean).length + " triples";
      }
      if (answer.response.headers.get("x-govkg-truncated")) { summary.textContent += " (cut at the result limit)"; }
    }).catch(function (error) { showError(String(error)); });
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  Array.prototype.forEach.call(document.querySelectorAll("a.example"), function (a) {
    a.addEventListener("click", function (event) {
      event.preventDefault();
      area.value = a.getAttribute("data-query");
      errorAt = null; highlight(); area.focus(); run();
    });
  });
  highlight();
}());
