// The case page's process diagram: bpmn-js NavigatedViewer (served from node_modules by /vendor/),
// with a marker per activity the case has completed, is waiting on, or is late on, and badges on the latter.
// The whole diagram is too wide to read on one screen, so it opens at a readable scale on where the case
// stands; "全图" shows all of it.
(function () {
  "use strict";
  var READABLE_SCALE = 0.8;
  var container = document.getElementById("case-diagram");
  var source = document.getElementById("case-diagram-data");
  if (!container || !source) { return; }
  var data = JSON.parse(source.textContent);

  function say(text) {
    var p = document.createElement("p");
    p.className = "muted diagram-message";
    p.textContent = text;
    container.appendChild(p);
  }

  function mark(viewer) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    Object.keys(data.marks).forEach(function (id) {
      var state = data.marks[id];
      if (!registry.get(id)) { return; }
      canvas.addMarker(id, "qj-" + state);
      if (state !== "completed") {
        var badge = document.createElement("span");
        badge.className = "qj-badge qj-badge-" + state;
        badge.textContent = data.labels[state];
        overlays.add(id, "qj-mark", { position: { top: -11, right: 10 }, html: badge });
      }
    });
  }

  function focusBox(registry) {
    var open = Object.keys(data.marks).filter(function (id) {
      return data.marks[id] !== "completed" && registry.get(id);
    });
    if (!open.length) { return null; }
    var shapes = open.map(function (id) { return registry.get(id); });
    var left = Math.min.apply(null, shapes.map(function (s) { return s.x; }));
    var top = Math.min.apply(null, shapes.map(function (s) { return s.y; }));
    var right = Math.max.apply(null, shapes.map(function (s) { return s.x + s.width; }));
    var bottom = Math.max.apply(null, shapes.map(function (s) { return s.y + s.height; }));
    return { x: (left + right) / 2, y: (top + bottom) / 2 };
  }

  if (typeof window.BpmnJS !== "function") {
    say("流程图组件未安装（请在项目目录运行 npm ci）。");
    return;
  }
  var viewer = new window.BpmnJS({ container: container });
  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    mark(viewer);
    window.qjNameLanes(viewer, data.roles);
    var whole = function () { canvas.zoom("fit-viewport", "auto"); };
    var here = function () {
      var centre = focusBox(registry);
      whole();
      if (!centre || canvas.zoom() >= READABLE_SCALE) { return; }
      var width = container.clientWidth / READABLE_SCALE;
      var height = container.clientHeight / READABLE_SCALE;
      canvas.viewbox({ x: centre.x - width / 2, y: centre.y - height / 2, width: width, height: height });
    };
    here();
    document.getElementById("diagram-whole").addEventListener("click", whole);
    document.getElementById("diagram-here").addEventListener("click", here);
    container.setAttribute("data-rendered", "true");
  }).catch(function (err) {
    say("流程图无法显示：" + (err && err.message ? err.message : err));
  });
})();
