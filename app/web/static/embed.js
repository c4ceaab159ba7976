/* Pantau widget embed: put
 *   <script src="https://PANTAU-HOST/static/embed.js" data-region="73.73" async></script>
 * where the widget should appear; optional data-lang="en", data-width, data-height (the
 * height to start with). It inserts an <iframe> to PANTAU-HOST/widget/{region} right after the
 * script tag, and then keeps the frame as tall as the widget's content: the widget posts
 * {type: "pantau:widget-height", region, height} (widget.js), and only a message from this
 * Pantau origin and from this very frame is believed. */
(function () {
  "use strict";
  var HEIGHT_MESSAGE = "pantau:widget-height";
  var MIN_HEIGHT = 40;
  var MAX_HEIGHT = 800;
  function sameRegion(a, b) {
    return typeof a === "string" && a.replace(/\./g, "") === b.replace(/\./g, "");
  }
  function followHeight(frame, origin, region) {
    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
      var data = event.data;
      if (!data || data.type !== HEIGHT_MESSAGE || !sameRegion(data.region, region)) { return; }
      var height = Math.ceil(Number(data.height));
      if (!isFinite(height)) { return; }
      frame.height = String(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, height)));
    });
  }
  function embed(script) {
    if (script.getAttribute("data-pantau-embedded")) { return; }
    var region = script.getAttribute("data-region");
    if (!region) { return; }
    script.setAttribute("data-pantau-embedded", "1");
    var origin = new URL(script.src, document.baseURI).origin;
    var url = origin + "/widget/" + encodeURIComponent(region);
    var lang = script.getAttribute("data-lang");
    if (lang === "id" || lang === "en") { url += "?lang=" + lang; }
    var frame = document.createElement("iframe");
    frame.src = url;
    frame.title = "Status layanan e-KTP / e-KTP service status: " + region;
    frame.width = script.getAttribute("data-width") || "320";
    frame.height = script.getAttribute("data-height") || "150";
    frame.loading = "lazy";
    frame.setAttribute("frameborder", "0");
    frame.setAttribute("data-pantau-widget", region);
    followHeight(frame, origin, region);
    script.parentNode.insertBefore(frame, script.nextSibling);
  }
  if (document.currentScript) { embed(document.currentScript); }
  // Several embeds on one page, or a loader that hides currentScript: find them all.
  var scripts = document.querySelectorAll("script[data-region][src*='embed.js']");
  for (var i = 0; i < scripts.length; i++) { embed(scripts[i]); }
})();
