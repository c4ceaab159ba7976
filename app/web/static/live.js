/* Live updates for the status page: each transition on the SSE stream is logged at once,
 * then the changed regions and the national counts are re-read from the JSON API (the region's
 * state is the worst of its services, which one transition alone does not tell). The page is
 * complete without this script. */
(function () {
  "use strict";
  var stream = document.body.getAttribute("data-live");
  if (!stream || !window.EventSource || !window.fetch) { return; }
  var lang = document.documentElement.lang === "en" ? "en" : "id";
  var labels = {};
  document.querySelectorAll("[data-count]").forEach(function (item) {
    labels[item.getAttribute("data-count")] = item.querySelector(".label").textContent;
  });
  var words = lang === "id"
    ? { since: "sejak", of: "dari", affected: "terdampak", monitored: "dipantau", notMonitored: "Tidak dipantau" }
    : { since: "since", of: "of", affected: "affected", monitored: "monitored", notMonitored: "Not monitored" };
  var liveSection = document.querySelector("[data-role='live']");
  var log = document.querySelector("[data-role='live-log']");
  var pending = {};
  var timer = null;

  function getJSON(url) {
    return fetch(url, { cache: "no-cache", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; });
  }

  // As the server writes a time on this national page (app/core/local_format.py): in WIB,
  // named, "4 Des 2026 14.05 WIB" / "4 Dec 2026 14:05 WIB".
  var months = lang === "id"
    ? ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    : ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var wib = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Jakarta", day: "numeric",
    month: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  function timeText(iso) {
    var part = {};
    wib.formatToParts(new Date(iso)).forEach(function (p) { part[p.type] = p.value; });
    return Number(part.day) + " " + months[Number(part.month) - 1] + " " + part.year + " " +
      part.hour + (lang === "id" ? "." : ":") + part.minute + " WIB";
  }

  function setChip(chip, state) {
    if (!chip) { return; }
    chip.className = "chip state-" + state;
    chip.setAttribute("data-state", state);
    chip.textContent = labels[state] || state;
  }

  function isAffected(state) {
    return state === "outage" || state === "degraded" || state === "maintenance";
  }

  // The map (map.html): a shape's classes give its colour, its title the state in both
  // languages, Indonesian first, as the server writes them.
  var map = document.querySelector("svg[data-state-labels]");
  var mapLabels = map ? JSON.parse(map.getAttribute("data-state-labels")) : {};

  function updateShape(region) {
    var shape = document.querySelector("path[data-region='" + region.code + "']");
    if (!shape) { return; }
    var affected = isAffected(region.state);
    var classes = ["state-" + region.state];
    if (affected && region.category) { classes.push("cause-" + region.category); }
    (shape.getAttribute("class") || "").split(" ").forEach(function (name) {
      if (name && name.indexOf("state-") !== 0 && name.indexOf("cause-") !== 0) { classes.push(name); }
    });
    shape.setAttribute("class", classes.join(" "));
    var title = shape.parentNode.querySelector("title");
    var unmonitored = region.state === "unknown" && region.services.length === 0;
    var names = mapLabels[unmonitored ? "unmonitored" : region.state];
    if (!title || !names) { return; }
    var reason = affected && region.reason_label ? region.reason_label : null;
    title.textContent = region.name + " — " + names[0] + (reason ? ": " + reason.id : "") +
      " / " + names[1] + (reason ? ": " + reason.en : "");
  }

  function updateRegion(region) {
    if (!region) { return; }
    updateShape(region);
    var row = document.querySelector("[data-code='" + region.code + "']");
    if (!row) { return; }
    setChip(row.querySelector("[data-role='state']"), region.state);
    var cause = isAffected(region.state) && region.reason_label ? region.reason_label[lang] : "";
    row.querySelector("[data-role='cause']").textContent = cause;
    var since = row.querySelector("[data-role='since']");
    since.textContent = "";
    if (cause && region.since) {
      var time = document.createElement("time");
      time.dateTime = region.since;
      time.textContent = timeText(region.since);
      since.append(words.since + " ", time);
    }
  }

  function updateSummary(summary) {
    if (!summary) { return; }
    Object.keys(summary.by_state).forEach(function (state) {
      var item = document.querySelector("[data-count='" + state + "'] .count");
      if (item) { item.textContent = summary.by_state[state]; }
    });
    Object.keys(summary.by_category).forEach(function (category) {
      var item = document.querySelector("[data-cause='" + category + "'] .count");
      if (item) { item.textContent = summary.by_category[category]; }
    });
    var other = lang === "id" ? "en" : "id";
    document.querySelector("[data-role='blast-primary']").textContent = summary.blast_radius.label[lang];
    document.querySelector("[data-role='blast-secondary']").textContent = summary.blast_radius.label[other];
    setChip(document.querySelector("[data-role='overall'] [data-role='state']"), summary.state);
    summary.provinces.forEach(function (province) {
      var block = document.querySelector("[data-province='" + province.code + "']");
      if (!block) { return; }
      var radius = province.blast_radius;
      var chip = block.querySelector("summary [data-role='state']");
      setChip(chip, province.state);
      if (radius.monitored === 0 && chip) { chip.textContent = words.notMonitored; }
      block.querySelector("[data-role='affected']").textContent =
        radius.affected + " " + words.of + " " + radius.total + " " + words.affected + ", " +
        radius.monitored + " " + words.monitored;
    });
  }

  function logTransition(transition) {
    var row = document.querySelector("[data-code='" + transition.region_code + "'] .name");
    var item = document.createElement("li");
    item.className = "fresh";
    item.setAttribute("data-transition", transition.id);
    var time = document.createElement("time");
    time.dateTime = transition.at;
    time.textContent = timeText(transition.at);
    var link = document.createElement("a");
    link.href = "/regions/" + transition.region_code + "?lang=" + lang;
    link.textContent = row ? row.textContent : transition.region_code;
    var change = ": " + (labels[transition.from_state] || transition.from_state) + " → " +
      (labels[transition.to_state] || transition.to_state) + " (" + transition.reason_label[lang] + ")";
    item.append(time, " ", link, change);
    log.prepend(item);
    while (log.children.length > 50) { log.removeChild(log.lastChild); }
    liveSection.hidden = false;
  }

  function flush() {
    timer = null;
    var codes = Object.keys(pending);
    pending = {};
    codes.forEach(function (code) { getJSON("/api/v1/regions/" + code).then(updateRegion); });
    getJSON("/api/v1/status").then(updateSummary);
  }

  var source = new EventSource(stream);
  // Tells tests and curious readers whether the stream is connected.
  source.addEventListener("open", function () { document.body.setAttribute("data-live-state", "open"); });
  source.addEventListener("error", function () { document.body.setAttribute("data-live-state", "reconnecting"); });
  source.addEventListener("transition", function (event) {
    var transition = JSON.parse(event.data);
    logTransition(transition);
    pending[transition.region_code] = true;
    if (timer === null) { timer = setTimeout(flush, 250); }
  });
  liveSection.hidden = false;
})();
