// The rule editor page around any editor (bpmn-js, dmn-js, the form's JSON): saving the draft, the problem
// list (this file's problems first; clicking one selects its element), the publish button's state and
// the unsaved-changes warning. An editor registers itself with QjRules.register({content, select}).
// A save sends what the editor started from (the latest revision and the draft token); whatever fails,
// the server answers JSON with a Chinese message, and the diagram stays in the page unsaved.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("rule-editor-data").textContent);
  var csrf = document.querySelector('input[name="csrf_token"]').value;
  var publishToken = document.getElementById("publish-token");
  var status = document.getElementById("save-status");
  var list = document.getElementById("problems");
  var summary = document.getElementById("problems-summary");
  var saveButton = document.getElementById("save-draft");
  var publishButton = document.getElementById("publish");
  var editor = null;
  var dirty = false;
  var hasDraft = data.token !== null;
  var publishable = data.publishable;

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
        (other.length ? "，其他文件 " + other.length + " 处" : "") + "。" +
        (publishable ? "其他文件的问题不妨碍单独发布本文件。" : "修改后才能发布；点击问题定位到元素。");
      summary.className = "field-error";
    }
    publishButton.disabled = !publishable;
    publishButton.title = publishable ? "只发布本文件的草稿" :
      (hasDraft ? "本文件的草稿单独发布仍有问题（或须先刷新合并），修改后才能发布" : "没有草稿");
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

  // The reply as {status, body}; a reply that is not JSON (a proxy's error page) gets a message of its own.
  function answerOf(response) {
    return response.text().then(function (text) {
      try { return { status: response.status, body: JSON.parse(text) }; } catch (e) {
        return { status: response.status, body: { error: "服务器的回复无法识别（状态 " + response.status + "）",
          detail: "修改仍在页面上，请稍后再保存" } };
      }
    });
  }

  function post(text) {
    return fetch(data.urls.save, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ content: text, base_revision: data.base_revision, token: data.token })
    }).then(answerOf);
  }

  function renewCsrf(token) {
    csrf = token;
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = token; });
  }

  // After a conflict: the user's text as a file to download, to merge after reloading.
  function offerDownload(text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    link.download = data.file;
    link.textContent = "下载我的修改";
    status.appendChild(document.createTextNode(" "));
    status.appendChild(link);
  }

  function saved(body) {
    data.token = body.token;
    publishToken.value = body.token;
    hasDraft = true;
    publishable = body.alone.length === 0;
    dirty = false;
    render(body.problems);
    var badge = document.getElementById("draft-badge");
    badge.textContent = "草稿（已保存）";
    badge.className = "badge warn";
    var stale = document.getElementById("stale-draft");
    if (stale) { stale.hidden = true; }
    say(body.problems.length ? "草稿已保存，有 " + body.problems.length + " 处问题" : "草稿已保存，没有问题",
      body.problems.length > 0);
  }

  function save() {
    if (!editor) { return; }
    saveButton.disabled = true;
    say("正在保存……");
    var text = null;
    editor.content().then(function (found) {
      text = found;
      return post(text);
    }).then(function (answer) {
      if (answer.status === 400 && answer.body.csrf_token) {  // signed in again elsewhere: retry once
        renewCsrf(answer.body.csrf_token);
        return post(text);
      }
      return answer;
    }).then(function (answer) {
      if (answer.status !== 200) {
        say(failure(answer.status, answer.body), true);
        if (answer.status === 409) { offerDownload(text); }
        return;
      }
      saved(answer.body);
    }).catch(function (err) {
      say("未保存（网络错误：" + (err && err.message ? err.message : err) + "），修改仍在页面上", true);
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
