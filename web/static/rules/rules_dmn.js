// The decision-table editor: dmn-js Modeler (served from node_modules by /vendor/). Opens the first decision
// table; a problem's element (decision, rule, input, output or cell) opens its decision and is highlighted.
(function () {
  "use strict";
  var rules = window.QjRules;
  var data = rules.data;
  var container = document.getElementById("dmn-canvas");
  var nav = document.getElementById("dmn-views");
  if (typeof window.DmnJS !== "function") {
    rules.say("决策表编辑组件未安装（请在项目目录运行 npm ci）。", true);
    return;
  }
  // dmn-js speaks English; its menus and headings in the words policy staff use (others stay as they are).
  var WORDS = {
    "When": "条件", "Then": "结果", "And": "且", "Annotations": "依据说明", "Annotation": "依据说明",
    "Hit policy": "命中策略", "Hit policy:": "命中策略：", "View DRD": "查看决策关系图",
    "Add rule above": "在上方添加规则", "Add rule below": "在下方添加规则", "Remove rule": "删除规则",
    "Copy rule": "复制规则", "Cut rule": "剪切规则", "Paste rule above": "粘贴到上方", "Paste rule below": "粘贴到下方",
    "Add input column left": "在左侧添加条件列", "Add input column right": "在右侧添加条件列",
    "Remove input column": "删除条件列", "Add output column left": "在左侧添加结果列",
    "Add output column right": "在右侧添加结果列", "Remove output column": "删除结果列",
    "Add cell description": "添加单元格说明", "Remove cell description": "删除单元格说明",
    "Add rule": "添加规则", "Input label": "条件名称", "Output label": "结果名称", "Output name": "结果变量名",
    "Input expression": "条件表达式", "Expression language": "表达式语言", "Type": "类型", "Delete": "删除",
    "Edit": "编辑", "Input": "条件", "Output": "结果", "Yes": "是", "No": "否"
  };
  var translateModule = {
    translate: ["value", function (template, replacements) {
      var text = WORDS[template] || template;
      return text.replace(/{([^}]+)}/g, function (_, key) { return (replacements || {})[key] || "{" + key + "}"; });
    }]
  };
  var translated = { additionalModules: [translateModule] };  // per view: dmn-js drops common modules
  var modeler = new window.DmnJS({ container: container, drd: translated, decisionTable: translated,
    literalExpression: translated, boxedExpression: translated });
  window.qjDmnModeler = modeler;  // for the browser tests and the console
  var VIEW_NAMES = { drd: "决策关系图", decisionTable: "决策表", literalExpression: "表达式" };

  function ids(decision) {
    // Every id inside a decision: its table, inputs, outputs, rules and their cells.
    var found = [decision.id];
    var logic = decision.decisionLogic;
    if (!logic) { return found; }
    found.push(logic.id);
    (logic.input || []).forEach(function (i) { found.push(i.id, i.inputExpression && i.inputExpression.id); });
    (logic.output || []).forEach(function (o) { found.push(o.id); });
    (logic.rule || []).forEach(function (r) {
      found.push(r.id);
      (r.inputEntry || []).concat(r.outputEntry || []).forEach(function (e) { found.push(e.id); });
    });
    return found;
  }

  function renderNav() {
    nav.textContent = "";
    var active = modeler.getActiveView();
    modeler.getViews().forEach(function (view) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = (VIEW_NAMES[view.type] || view.type) + (view.element.name ? "：" + view.element.name : "");
      if (active && view.element === active.element && view.type === active.type) {
        button.className = "active";
        button.setAttribute("aria-current", "true");
      }
      button.addEventListener("click", function () { modeler.open(view); });
      nav.appendChild(button);
    });
  }

  function highlight(id) {
    container.querySelectorAll(".qj-highlight").forEach(function (n) { n.classList.remove("qj-highlight"); });
    var cells = container.querySelectorAll('[data-element-id="' + id + '"], [data-row-id="' + id + '"], [data-col-id="' + id + '"]');
    cells.forEach(function (n) { n.classList.add("qj-highlight"); });
    if (cells.length) { cells[0].scrollIntoView({ block: "center", inline: "nearest" }); }
    return cells.length > 0;
  }

  function select(id) {
    var views = modeler.getViews().filter(function (v) { return v.type !== "drd"; });
    var view = views.filter(function (v) { return ids(v.element).indexOf(id) >= 0; })[0];
    if (!view) { return false; }
    var shown = modeler.getActiveView();
    var opened = shown && shown.element === view.element ? Promise.resolve() : modeler.open(view);
    opened.then(function () { window.setTimeout(function () { highlight(id); }, 50); });
    return true;
  }

  modeler.on("views.changed", renderNav);
  modeler.importXML(data.content).then(function () {
    var table = modeler.getViews().filter(function (v) { return v.type === "decisionTable"; })[0];
    return table ? modeler.open(table) : null;
  }).then(function () {
    modeler.on("views.changed", function () {
      var viewer = modeler.getActiveViewer();
      if (viewer && !viewer.qjWatched) {
        viewer.qjWatched = true;
        viewer.get("eventBus").on("elements.changed", rules.changed);
      }
    });
    var viewer = modeler.getActiveViewer();
    viewer.qjWatched = true;
    viewer.get("eventBus").on("elements.changed", rules.changed);
    renderNav();
    rules.register({
      content: function () { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); },
      select: select
    });
    container.setAttribute("data-rendered", "true");
  }).catch(function (err) {
    rules.say("决策表无法打开：" + (err && err.message ? err.message : err), true);
  });
})();
