// The form editor: the JSON Schema as text, with a live preview drawn by the server the way task pages
// draw forms (POST /rules/forms/preview); any failure (invalid JSON, an expired sign-in) answers JSON
// with a Chinese message, shown instead of the preview.
(function () {
  "use strict";
  var rules = window.QjRules;
  var data = rules.data;
  var text = document.getElementById("form-json");
  var preview = document.getElementById("form-preview");
  var csrf = document.querySelector('input[name="csrf_token"]').value;
  var timer = null;

  function refresh() {
    fetch(data.urls.preview, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ content: text.value })
    }).then(function (response) {
      return response.text().then(function (body) {
        if (response.ok) {
          preview.innerHTML = body;  // rendered and escaped by the server's template
          return;
        }
        var message;
        try { message = JSON.parse(body).error; } catch (e) { message = "预览失败（状态 " + response.status + "）"; }
        var p = document.createElement("p");
        p.className = "field-error";
        p.setAttribute("role", "alert");
        p.textContent = message;
        preview.textContent = "";
        preview.appendChild(p);
      });
    }).catch(function (err) {
      preview.textContent = "预览失败：" + (err && err.message ? err.message : err);
    });
  }

  function select(id) {
    // Form problems point at a JSON pointer (/properties/received_on); find the last key in the text.
    var key = id.split("/").filter(Boolean).pop();
    var at = key ? text.value.indexOf('"' + key + '"') : -1;
    if (at < 0) { return false; }
    text.focus();
    text.setSelectionRange(at, at + key.length + 2);
    return true;
  }

  text.addEventListener("input", function () {
    rules.changed();
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  refresh();
  rules.register({ content: function () { return Promise.resolve(text.value); }, select: select });
})();
