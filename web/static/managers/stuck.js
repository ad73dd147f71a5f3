// The stuck page's filter bar is folded into a <details> so that on a phone the list is on the first screen;
// on wider screens there is room for it, so it is opened (the server already opens it when a filter is set).
(function () {
  "use strict";
  var fold = document.getElementById("stuck-filters");
  if (fold && window.matchMedia("(min-width: 601px)").matches) {
    fold.open = true;
  }
}());
