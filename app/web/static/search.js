/* Filters the status page's province list as one types in the region search box. Without this
 * script the form still works: it asks the server (`/?q=…`), which also tolerates typos.
 * Names match the way the server's search does, less typos: any case, accents and the words
 * Kabupaten / Kab. / Kota / Administrasi / Provinsi ignored, each word of the query the start
 * of a word of the name, or the query inside the name; digits match codes (`7373`, `73.73`). */
(function () {
  "use strict";
  var form = document.querySelector("[data-role='search']");
  if (!form) { return; }
  var input = form.querySelector("input[name='q']");
  var none = document.querySelector("[data-role='search-none']");
  var provinces = Array.prototype.slice.call(document.querySelectorAll("details.province"));
  var KIND = /^(?:(?:kabupaten|kab|kota|administrasi|adm|provinsi|prov) )+/;

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^0-9a-z]+/g, " ").trim();
  }

  function core(text) {
    var folded = fold(text);
    return folded.replace(KIND, "") || folded;
  }

  function nameMatches(name, query) {
    if (name.indexOf(query) >= 0 || name.replace(/ /g, "").indexOf(query.replace(/ /g, "")) >= 0) {
      return true;
    }
    var words = name.split(" ");
    return query.split(" ").every(function (part) {
      return words.some(function (word) { return word.indexOf(part) === 0; });
    });
  }

  function matches(element, nameSelector, code, query) {
    if (query.digits !== null) { return code.replace(".", "").indexOf(query.digits) === 0; }
    var name = element.querySelector(nameSelector);
    return name !== null && nameMatches(core(name.textContent), query.text);
  }

  // Each province's and region's state before any filtering: a search page lists only matches.
  var initial = provinces.map(function (province) {
    return { open: province.open, hidden: province.hidden };
  });

  function restore() {
    provinces.forEach(function (province, index) {
      province.open = initial[index].open;
      province.hidden = initial[index].hidden;
      province.querySelectorAll("li.region").forEach(function (item) { item.hidden = false; });
    });
    if (none) { none.hidden = true; }
  }

  function filter() {
    var raw = input.value.trim();
    if (!raw) { restore(); return; }
    var query = /^[0-9][0-9.\s]*$/.test(raw)
      ? { digits: raw.replace(/[.\s]/g, ""), text: "" }
      : { digits: null, text: core(raw) };
    if (query.digits === null && !query.text) { restore(); return; }
    var shown = 0;
    provinces.forEach(function (province) {
      var code = province.getAttribute("data-province");
      var whole = matches(province, "summary .name", code, query);
      var any = false;
      province.querySelectorAll("li.region").forEach(function (item) {
        var hit = whole || matches(item, ".name", item.getAttribute("data-code"), query);
        item.hidden = !hit;
        if (hit) { any = true; shown += 1; }
      });
      province.hidden = !(whole || any);
      province.open = whole || any;
    });
    if (none) { none.hidden = shown > 0; }
  }

  // Not run on load: a search page already lists what the server found, typos included.
  input.addEventListener("input", filter);
})();
