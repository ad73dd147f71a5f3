// The inbox's "pick all" box ticks or clears every task's box (for claiming several at once).
(function () {
  "use strict";
  var all = document.getElementById("pick-all");
  if (!all) { return; }
  all.addEventListener("change", function (event) {
    document.querySelectorAll('input[name="task_id"]').forEach(function (box) { box.checked = event.target.checked; });
  });
})();
