// Our small properties panel for the bpmn-js Modeler (bpmn-js-properties-panel needs a bundler): for the
// selected element it edits what the engine reads — name, documentation (the rule's source), a lane's role,
// a user task's form/organisation/dueAt (spiffworkflow:property), a timer's date expression, a script, a
// flow's condition, a call activity's process and a business rule task's decision. Every change goes
// through `modeling`, so it can be undone (Ctrl+Z) and marks the draft as changed.
(function () {
  "use strict";
  var SPIFF_PROPERTIES = "spiffworkflow:Properties";
  var SPIFF_DECISION = "spiffworkflow:CalledDecisionId";
  var TIMER_HINT = "期限须按工作日历计算，使用工作日函数：";

  window.QjPanel = function (modeler, data, form, empty) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });  // Enter in a field never posts
    var modeling = modeler.get("modeling");
    var moddle = modeler.get("moddle");
    var current = null;

    function extension(bo, type) {
      var ext = bo.extensionElements;
      return ext ? (ext.get("values") || []).filter(function (v) { return v.$instanceOf(type); })[0] || null : null;
    }

    function ensureExtension(element, bo, type, attrs) {
      var ext = bo.extensionElements;
      if (!ext) {
        ext = moddle.create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = bo;
        modeling.updateModdleProperties(element, bo, { extensionElements: ext });
      }
      var found = extension(bo, type);
      if (!found) {
        found = moddle.create(type, attrs);
        found.$parent = ext;
        modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat([found]) });
      }
      return found;
    }

    function spiffProperty(bo, name) {
      var props = extension(bo, SPIFF_PROPERTIES);
      var found = props ? props.get("properties").filter(function (p) { return p.name === name; })[0] : null;
      return found ? found.value || "" : "";
    }

    function setSpiffProperty(element, name, value) {
      var bo = element.businessObject;
      var props = extension(bo, SPIFF_PROPERTIES);
      if (!props && !value) { return; }
      props = props || ensureExtension(element, bo, SPIFF_PROPERTIES, { properties: [] });
      var list = props.get("properties");
      var prop = list.filter(function (p) { return p.name === name; })[0];
      if (!value) {
        if (prop) { modeling.updateModdleProperties(element, props, { properties: list.filter(function (p) { return p !== prop; }) }); }
      } else if (prop) {
        modeling.updateModdleProperties(element, prop, { value: value });
      } else {
        prop = moddle.create("spiffworkflow:Property", { name: name, value: value });
        prop.$parent = props;
        modeling.updateModdleProperties(element, props, { properties: list.concat([prop]) });
      }
    }

    function documented(bo) {
      return bo.$instanceOf("bpmn:Participant") && bo.processRef ? bo.processRef : bo;
    }

    function documentation(bo) {
      var docs = documented(bo).get("documentation") || [];
      return docs.length ? docs[0].text || "" : "";
    }

    function setDocumentation(element, text) {
      var target = documented(element.businessObject);
      var docs = text ? [moddle.create("bpmn:Documentation", { text: text })] : [];
      modeling.updateModdleProperties(element, target, { documentation: docs });
    }

    function timer(bo) {
      return (bo.get("eventDefinitions") || []).filter(function (d) { return d.$instanceOf("bpmn:TimerEventDefinition"); })[0];
    }

    function setTimeDate(element, value) {
      var definition = timer(element.businessObject);
      if (definition.timeDate) {
        modeling.updateModdleProperties(element, definition.timeDate, { body: value });
        return;
      }
      var expression = moddle.create("bpmn:FormalExpression", { body: value });
      expression.$parent = definition;
      modeling.updateModdleProperties(element, definition, { timeDate: expression, timeDuration: undefined, timeCycle: undefined });
    }

    function setCondition(element, value) {
      var expression;
      if (value) {
        expression = moddle.create("bpmn:FormalExpression", { body: value });
        expression.$parent = element.businessObject;
      }
      modeling.updateProperties(element, { conditionExpression: expression });
    }

    function setDecision(element, value) {
      var bo = element.businessObject;
      var found = extension(bo, SPIFF_DECISION);
      if (!found && !value) { return; }
      found = found || ensureExtension(element, bo, SPIFF_DECISION, {});
      modeling.updateModdleProperties(element, found, { value: value || undefined });
    }

    function field(key, text, control, help) {
      var wrap = document.createElement("div");
      wrap.className = "field";
      var label = document.createElement("label");
      label.htmlFor = "prop-" + key;
      label.textContent = text;
      wrap.appendChild(label);
      if (help) {
        var p = document.createElement("p");
        p.className = "help";
        p.id = "prop-" + key + "-help";
        p.textContent = help;
        control.setAttribute("aria-describedby", p.id);
        wrap.appendChild(p);
      }
      control.id = "prop-" + key;
      wrap.appendChild(control);
      form.appendChild(wrap);
      return control;
    }

    function input(key, text, value, apply, help, multiline) {
      var control = document.createElement(multiline ? "textarea" : "input");
      if (multiline) { control.rows = multiline; }
      control.value = value || "";
      control.addEventListener("change", function () { apply(control.value.trim() ? control.value : ""); });
      if (!multiline) {
        control.addEventListener("keydown", function (e) { if (e.key === "Enter") { control.blur(); } });
      }
      return field(key, text, control, help);
    }

    function select(key, text, value, options, apply, help) {
      var control = document.createElement("select");
      options.forEach(function (o) {
        var option = document.createElement("option");
        option.value = o[0];
        option.textContent = o[1];
        control.appendChild(option);
      });
      control.value = value || "";
      control.addEventListener("change", function () { apply(control.value); });
      return field(key, text, control, help);
    }

    function roleOptions(name) {
      var options = [["", "（未指定：不是办理角色）"]];
      Object.keys(data.roles).forEach(function (code) { options.push([code, data.roles[code] + "（" + code + "）"]); });
      if (name && !data.roles[name]) { options.push([name, "「" + name + "」不是办理角色"]); }
      return options;
    }

    function formOptions(value) {
      var options = [["", "（未指定）"]].concat(data.forms.map(function (f) { return [f, f]; }));
      if (value && data.forms.indexOf(value) < 0) { options.push([value, value + "（不存在）"]); }
      return options;
    }

    function heading(element) {
      var p = document.createElement("p");
      p.className = "prop-type";
      p.textContent = element.type.replace("bpmn:", "") + " · " + element.id;
      form.appendChild(p);
    }

    function render(element) {
      current = element;
      form.textContent = "";
      var root = !element || element.type === "bpmn:Collaboration" || element.type === "bpmn:Process" || element.type === "label";
      form.hidden = root;
      empty.hidden = !root;
      if (root) { return; }
      var bo = element.businessObject;
      var update = function (props) { modeling.updateProperties(element, props); };
      heading(element);
      if (bo.$instanceOf("bpmn:Lane")) {
        select("role", "办理角色（泳道名）", bo.name, roleOptions(bo.name), function (v) { update({ name: v || undefined }); },
          "泳道名就是办理角色代码；泳道内的用户任务由该角色办理。");
      } else {
        input("name", "名称", bo.name, function (v) { update({ name: v || undefined }); });
      }
      if (bo.$instanceOf("bpmn:UserTask")) {
        var formFile = spiffProperty(bo, "formJsonSchemaFilename");
        select("form", "表单", formFile, formOptions(formFile), function (v) { setSpiffProperty(element, "formJsonSchemaFilename", v); });
        input("organisation", "办理单位变量", spiffProperty(bo, "organisation"),
          function (v) { setSpiffProperty(element, "organisation", v.trim()); }, "保存办理单位编号的变量名，如 institute_id");
        input("dueAt", "办理期限变量", spiffProperty(bo, "dueAt"),
          function (v) { setSpiffProperty(element, "dueAt", v.trim()); }, "可不填；填写保存期限的变量名，如 deadline");
      }
      if (bo.$instanceOf("bpmn:BusinessRuleTask")) {
        var decision = extension(bo, SPIFF_DECISION);
        input("calledDecisionId", "决策表（决策 id）", decision ? decision.value : "",
          function (v) { setDecision(element, v.trim()); });
      }
      if (bo.$instanceOf("bpmn:Event") && timer(bo)) {
        var definition = timer(bo);
        input("timeDate", "定时日期表达式（timeDate）", definition.timeDate ? definition.timeDate.body : "",
          function (v) { setTimeDate(element, v.trim()); }, TIMER_HINT + data.calendar_functions.join("、") +
          "（如 reminder_time(deadline, 2)）；不要用 P7D 等固定时长。");
      }
      if (bo.$instanceOf("bpmn:ScriptTask")) {
        input("script", "脚本（Python）", bo.script, function (v) { update({ script: v || undefined }); }, "", 8)
          .classList.add("mono");
      }
      if (bo.$instanceOf("bpmn:SequenceFlow")) {
        input("condition", "条件表达式", bo.conditionExpression ? bo.conditionExpression.body : "",
          function (v) { setCondition(element, v.trim()); }, "Python 表达式，如 acceptance == \"accept\"；默认流不填。");
      }
      if (bo.$instanceOf("bpmn:CallActivity")) {
        input("calledElement", "调用的流程（流程 id）", bo.calledElement, function (v) { update({ calledElement: v.trim() || undefined }); });
      }
      input("documentation", "说明（办理依据：《通知》《条例》条款）", documentation(bo),
        function (v) { setDocumentation(element, v); }, "", 4);
    }

    modeler.on("selection.changed", function (event) {
      render(event.newSelection.length === 1 ? event.newSelection[0] : null);
    });
    modeler.on("commandStack.changed", function () {
      if (current && !form.contains(document.activeElement)) {
        render(modeler.get("elementRegistry").get(current.id) || null);
      }
    });
    render(null);
  };
})();
