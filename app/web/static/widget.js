/* The widget's own script (/widget/{code} has no inline script: its CSP forbids one).
 * - Height: tells the page that framed it how tall its content is, so that embed.js can size
 *   the <iframe> to it: window.parent.postMessage({type: "pantau:widget-height", region:
 *   "73.73", height: 142}, "*") on load, whenever the content changes size, and after each
 *   refresh. The message says nothing that is not public; embed.js checks where it comes from.
 * - Refresh: every data-refresh seconds (60) it fetches the widget again from its own URL and
 *   swaps the new content in, keeping what it shows (marked data-stale) when that fails.
 *   While the page is hidden it waits, and refreshes when it is shown again. Without
 *   JavaScript a <noscript> meta refresh reloads the page instead. */
(function () {
  "use strict";
  var TYPE = "pantau:widget-height";
  var reported = -1;
  var due = false;

  function widget() { return document.querySelector("main.widget"); }

  function contentHeight() {
    var main = widget();
    if (!main) { return document.documentElement.scrollHeight; }
    return Math.ceil(main.getBoundingClientRect().bottom + window.scrollY);
  }

  function report() {
    if (window.parent === window) { return; }
    var height = contentHeight();
    if (height === reported) { return; }
    reported = height;
    var main = widget();
    var region = main ? main.getAttribute("data-region") : "";
    window.parent.postMessage({ type: TYPE, region: region, height: height }, "*");
  }

  function seconds() {
    var main = widget();
    var value = main ? parseInt(main.getAttribute("data-refresh"), 10) : NaN;
    return value > 0 ? value : 60;
  }

  function refreshed(text) {
    var fresh = new DOMParser().parseFromString(text, "text/html");
    var incoming = fresh.querySelector("main.widget");
    var current = widget();
    if (!incoming || !current) { throw new Error("no widget in the response"); }
    current.replaceWith(document.importNode(incoming, true));
    document.title = fresh.title;
    var count = parseInt(document.documentElement.getAttribute("data-refreshed") || "0", 10);
    document.documentElement.setAttribute("data-refreshed", String(count + 1));
    report();
  }

  function refresh() {
    fetch(window.location.href, { cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(refreshed)
      .catch(function () {
        var main = widget();
        if (main) { main.setAttribute("data-stale", "true"); }
      })
      .then(schedule);
  }

  function tick() {
    if (document.hidden) { due = true; return; }
    refresh();
  }

  function schedule() { window.setTimeout(tick, seconds() * 1000); }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && due) { due = false; refresh(); }
  });
  if (window.ResizeObserver) {
    new ResizeObserver(report).observe(document.body);
  }
  window.addEventListener("resize", report);
  report();
  schedule();
})();
