// The diagram editor: bpmn-js Modeler (served from node_modules by /vendor/) with the spiffworkflow moddle
// extension, so task properties survive a load and save, and our properties panel (rules_panel.js).
(function () {
  "use strict";
  var rules = window.QjRules;
  var data = rules.data;
  var container = document.getElementById("bpmn-canvas");
  var READABLE_SCALE = 0.8;  // the whole diagram is too small to read; open on its start at this scale
  var PALETTE = 90;  // pixels the tool palette covers on the left
  if (typeof window.BpmnJS !== "function") {
    rules.say("流程图编辑组件未安装（请在项目目录运行 npm ci）。", true);
    return;
  }

  function showRoles(modeler) {
    // Lane names are role codes; the Chinese role is shown beside them (the code is what is saved).
    var overlays = modeler.get("overlays");
    var registry = modeler.get("elementRegistry");
    overlays.remove({ type: "qj-role" });
    registry.filter(function (e) { return e.type === "bpmn:Lane"; }).forEach(function (lane) {
      var role = data.roles[lane.businessObject.name];
      var badge = document.createElement("span");
      badge.className = "qj-role" + (role ? "" : " qj-role-missing");
      badge.textContent = role || "非办理角色";
      overlays.add(lane, "qj-role", { position: { top: 4, left: 34 }, html: badge });
    });
  }

  fetch(data.urls.moddle, { credentials: "same-origin" }).then(function (response) {
    return response.json();
  }).then(function (spiff) {
    var modeler = new window.BpmnJS({ container: container, moddleExtensions: { spiffworkflow: spiff } });
    window.qjModeler = modeler;  // for the browser tests and the console
    return modeler.importXML(data.content).then(function () {
      var canvas = modeler.get("canvas");
      var registry = modeler.get("elementRegistry");
      var whole = function () { canvas.zoom("fit-viewport", "auto"); };
      var readable = function () {
        whole();
        if (canvas.zoom() >= READABLE_SCALE) { return; }
        var inner = canvas.viewbox().inner;
        var height = container.clientHeight / READABLE_SCALE;
        canvas.viewbox({ x: inner.x - PALETTE / READABLE_SCALE, y: inner.y + inner.height / 2 - height / 2,
          width: container.clientWidth / READABLE_SCALE, height: height });
      };
      var focus = function (element) {
        // Centre the element at a readable scale (a problem's element is often tiny in the whole diagram).
        if (canvas.zoom() >= READABLE_SCALE) { canvas.scrollToElement(element); return; }
        var at = element.waypoints ? element.waypoints[0] : { x: element.x + element.width / 2, y: element.y + element.height / 2 };
        var width = container.clientWidth / READABLE_SCALE;
        var height = container.clientHeight / READABLE_SCALE;
        canvas.viewbox({ x: at.x - width / 2, y: at.y - height / 2, width: width, height: height });
      };
      readable();
      document.getElementById("diagram-selection").addEventListener("click", function () {
        var chosen = modeler.get("selection").get()[0];
        if (chosen) { focus(chosen); }
      });
      document.getElementById("diagram-whole").addEventListener("click", whole);
      document.getElementById("diagram-readable").addEventListener("click", readable);
      window.QjPanel(modeler, data, document.getElementById("properties-form"),
        document.getElementById("properties-empty"));
      showRoles(modeler);
      modeler.on("commandStack.changed", function () { rules.changed(); showRoles(modeler); });
      rules.register({
        content: function () { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); },
        select: function (id) {
          var element = registry.get(id);
          if (!element) { return false; }
          modeler.get("selection").select(element);
          focus(element);
          return true;
        }
      });
      container.setAttribute("data-rendered", "true");
    });
  }).catch(function (err) {
    rules.say("流程图无法打开：" + (err && err.message ? err.message : err), true);
  });
})();
