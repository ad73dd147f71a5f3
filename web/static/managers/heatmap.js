// The process heatmap: the current diagram (bpmn-js NavigatedViewer, served from node_modules by /vendor/),
// each activity where cases can wait shaded by how many do, with a badge (a link) giving the count and the
// overdue count; a click on the badge or the activity lists those cases below the diagram. The numbers come
// from the JSON block the page renders (no inline script, for the CSP); the table below holds the same.
(function () {
  "use strict";
  var container = document.getElementById("heatmap-diagram");
  var source = document.getElementById("heatmap-data");
  if (!container || !source) { return; }
  var data = JSON.parse(source.textContent);

  function say(text) {
    var p = document.createElement("p");
    p.className = "muted diagram-message";
    p.textContent = text;
    container.appendChild(p);
  }

  function badge(id, count) {
    var link = document.createElement("a");
    link.href = count.url;
    link.className = "qj-count" + (count.overdue ? " qj-count-late" : count.waiting ? "" : " qj-count-zero");
    link.setAttribute("data-activity", id);
    link.textContent = count.overdue ? count.waiting + " · 逾期 " + count.overdue : String(count.waiting);
    var label = count.name + "：等待 " + count.waiting + " 件，其中逾期 " + count.overdue + " 件" +
      (count.shared ? "（多个上报环节的合计）" : "");
    link.title = label;
    link.setAttribute("aria-label", label + "，点击查看案件");
    return link;
  }

  function paint(viewer) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    Object.keys(data.counts).forEach(function (id) {
      var count = data.counts[id];
      if (!registry.get(id)) { return; }
      canvas.addMarker(id, "qj-clickable");
      if (count.waiting) {
        canvas.addMarker(id, "qj-heat");
        canvas.addMarker(id, "qj-heat-" + count.level);
      }
      if (count.overdue) { canvas.addMarker(id, "qj-late"); }
      // Badges stay readable when the whole diagram is zoomed out to fit.
      overlays.add(id, "qj-count", { position: { top: -12, right: 12 }, scale: { min: 1 }, html: badge(id, count) });
    });
    (data.chosen || []).forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "qj-chosen"); } });
    viewer.get("eventBus").on("element.click", function (event) {
      var count = data.counts[event.element.id];
      if (count) { window.location.href = count.url; }
    });
  }

  function busiest(viewer) {
    // When the canvas is wider than its box (a phone), scroll the box to the activity with most overdue,
    // then most waiting, cases.
    var box = document.getElementById("heatmap-box");
    var registry = viewer.get("elementRegistry");
    var top = null;
    var weight = function (id) { return data.counts[id].overdue * 1e6 + data.counts[id].waiting; };
    Object.keys(data.counts).forEach(function (id) {
      if (registry.get(id) && data.counts[id].waiting && (!top || weight(id) > weight(top))) { top = id; }
    });
    if (!box || !top || box.scrollWidth <= box.clientWidth) { return; }
    var shape = registry.getGraphics(top).getBoundingClientRect();
    var frame = box.getBoundingClientRect();
    box.scrollLeft += shape.left - frame.left - (box.clientWidth - shape.width) / 2;
  }

  if (typeof window.BpmnJS !== "function") {
    say("流程图组件未安装（请在项目目录运行 npm ci）；各环节的数字见下表。");
    return;
  }
  var viewer = new window.BpmnJS({ container: container });
  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get("canvas");
    paint(viewer);
    window.qjNameLanes(viewer, data.roles);
    var whole = function () { canvas.zoom("fit-viewport", "auto"); };
    whole();
    busiest(viewer);
    document.getElementById("diagram-whole").addEventListener("click", whole);
    container.setAttribute("data-rendered", "true");
  }).catch(function (err) {
    say("流程图无法显示：" + (err && err.message ? err.message : err) + "；各环节的数字见下表。");
  });
})();
