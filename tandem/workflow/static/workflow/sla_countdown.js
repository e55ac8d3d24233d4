// Ticks the ticket header's SLA countdowns between server renders (no inline scripts: CSP).
(function () {
  "use strict";

  function duration(seconds) {
    seconds = Math.abs(Math.round(seconds));
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 24) return minutes ? hours + " h " + minutes + " min" : hours + " h";
    var days = Math.floor(hours / 24);
    hours = hours % 24;
    return hours ? days + " d " + hours + " h" : days + " d";
  }

  function tick() {
    document.querySelectorAll("[data-sla-due]").forEach(function (item) {
      var due = Date.parse(item.getAttribute("data-sla-due"));
      var text = item.querySelector("[data-sla-text]");
      if (isNaN(due) || !text) return;
      var left = (due - Date.now()) / 1000;
      text.textContent = left < 0 ? duration(left) + " overdue" : "due in " + duration(left);
      if (left < 0) {
        item.classList.remove("sla-active", "sla-at-risk");
        item.classList.add("sla-breached");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 15000);
  });
})();
