// The rule editor page around any editor (bpmn-js, dmn-js, the form's JSON): saving the draft, the problem
// list (this file's problems first; clicking one selects its element), the publish button's state and
// the unsaved-changes warning. An editor registers itself with QjRules.register({content, select}).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("rule-editor-data").textContent);
  var csrf = document.querySelector('input[name="csrf_token"]').value;
  var status = document.getElementById("save-status");
  var list = document.getElementById("problems");
  var summary = document.getElementById("problems-summary");
  var saveButton = document.getElementById("save-draft");
  var publishButton = document.getElementById("publish");
  var editor = null;
  var dirty = false;
  var hasDraft = data.version !== null || !publishButton.disabled;

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "field-error" : "muted";
  }

  function label(problem) {
    var name = problem.element_name || problem.element_id;
    return name ? name + (problem.element_name && problem.element_id ? "（" + problem.element_id + "）" : "") : "整个文件";
  }

  function item(problem, own) {
    var li = document.createElement("li");
    li.className = own ? "own" : "other";
    var link;
    if (own && problem.element_id) {
      link = document.createElement("button");
      link.type = "button";
      link.className = "link";
      link.addEventListener("click", function () { select(problem.element_id); });
    } else {
      link = document.createElement(own ? "span" : "a");
      if (!own) {
        link.href = data.urls.editor.replace("FILE", encodeURIComponent(problem.file)) +
          (problem.element_id ? "#element=" + encodeURIComponent(problem.element_id) : "");
      }
    }
    link.textContent = (own ? "" : problem.file + " · ") + label(problem);
    link.setAttribute("data-element-id", problem.element_id);
    var message = document.createElement("span");
    message.className = "message";
    message.textContent = problem.message;
    li.appendChild(link);
    li.appendChild(message);
    return li;
  }

  function render(problems) {
    var own = problems.filter(function (p) { return p.file === data.file; });
    var other = problems.filter(function (p) { return p.file !== data.file; });
    list.textContent = "";
    own.concat(other).forEach(function (p) { list.appendChild(item(p, p.file === data.file)); });
    if (!problems.length) {
      summary.textContent = hasDraft ? "没有问题，可以发布。" : "已发布的版本，没有问题。";
      summary.className = "ok-text";
    } else {
      summary.textContent = "共 " + problems.length + " 处问题：本文件 " + own.length + " 处" +
        (other.length ? "，其他文件 " + other.length + " 处" : "") + "。修改后才能发布；点击问题定位到元素。";
      summary.className = "field-error";
    }
    publishButton.disabled = problems.length > 0 || !hasDraft;
    publishButton.title = problems.length ? "规则仍有问题，修改后才能发布" : (hasDraft ? "" : "没有草稿");
  }

  function select(id) {
    if (!editor || !editor.select(id)) { say("在编辑器中找不到元素 " + id, true); }
  }

  function failure(status, body) {
    if (status === 422 && body.fields) {
      var messages = [];
      Object.keys(body.fields).forEach(function (k) { messages = messages.concat(body.fields[k]); });
      return "未保存：" + messages.join("；");
    }
    return "未保存：" + (body.error || "错误 " + status) + (body.detail ? "。" + body.detail : "");
  }

  function save() {
    if (!editor) { return; }
    saveButton.disabled = true;
    say("正在保存……");
    editor.content().then(function (text) {
      return fetch(data.urls.save, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ content: text, version: data.version })
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      if (answer.status !== 200) { say(failure(answer.status, answer.body), true); return; }
      data.version = answer.body.version;
      hasDraft = true;
      dirty = false;
      render(answer.body.problems);
      var badge = document.getElementById("draft-badge");
      badge.textContent = "草稿（已保存）";
      badge.className = "badge warn";
      say(answer.body.problems.length ? "草稿已保存，有 " + answer.body.problems.length + " 处问题" : "草稿已保存，没有问题",
        answer.body.problems.length > 0);
    }).catch(function (err) {
      say("未保存：" + (err && err.message ? err.message : err), true);
    }).then(function () { saveButton.disabled = false; });
  }

  function register(found) {
    editor = found;
    saveButton.disabled = false;
    var wanted = /#element=([^&]+)/.exec(window.location.hash);
    if (wanted) { select(decodeURIComponent(wanted[1])); }
  }

  saveButton.disabled = true;
  saveButton.addEventListener("click", save);
  publishButton.form.addEventListener("submit", function (event) {
    if (dirty && !window.confirm("有未保存的修改，发布的是已保存的草稿。仍要发布吗？")) { event.preventDefault(); }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  render(data.problems);

  window.QjRules = {
    data: data, register: register, say: say,
    changed: function () { dirty = true; say("有未保存的修改"); }
  };
})();
