// Diagram lanes are named by role code (owner, institute, ...); a drawn diagram shows the Chinese role
// names instead. Used by the case page and the managers' heatmap after bpmn-js has imported a diagram.
(function () {
  "use strict";
  window.qjNameLanes = function (viewer, roles) {
    var registry = viewer.get("elementRegistry");
    registry.filter(function (e) { return e.type === "bpmn:Lane"; }).forEach(function (lane) {
      var name = roles[lane.businessObject.name];
      var text = name && registry.getGraphics(lane).querySelector("text tspan");
      if (text) { text.textContent = name; }
    });
  };
})();
