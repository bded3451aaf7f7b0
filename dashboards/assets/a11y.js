/* synclens dashboards: what screen readers and keyboards need that Dash 4's
 * components do not give (Dash serves every script in assets/ on every page).
 *
 * 1. dcc.RadioItems / dcc.Checklist render native radios and checkboxes inside
 *    <label role="option"> of a <div role="listbox">: an interactive control
 *    nested in an option, in an unnamed listbox (axe: nested-interactive,
 *    aria-input-field-name).  The native inputs say everything already, so the
 *    listbox and option roles go; the group's name comes from the page
 *    (components.named).
 * 2. dcc.Dropdown puts a focusable proxy <input aria-hidden="true"> before its
 *    button, which Tab cannot reach itself (axe: aria-hidden-focus); the proxy
 *    leaves the tab order and the button joins it.
 * 3. Every Plotly chart gets an accessible name (role="figure" and aria-label:
 *    the chart's title, else its section's heading) and, folded beneath it,
 *    its data as a table.
 */
(function () {
  "use strict";

  function fixOptionLists(root) {
    root.querySelectorAll(".dash-options-list[role='listbox']").forEach(function (list) {
      list.removeAttribute("role");
    });
    root.querySelectorAll(".dash-options-list-option[role], .dash-options-list-option[aria-selected]")
      .forEach(function (label) {
        label.removeAttribute("role");
        label.removeAttribute("aria-selected");
      });
  }

  function fixDropdowns(root) {
    root.querySelectorAll(".dash-dropdown-focus-target:not([tabindex='-1'])").forEach(function (el) {
      el.setAttribute("tabindex", "-1");
    });
    // ... and the button it hands the focus to takes it from Tab itself
    root.querySelectorAll("button.dash-dropdown[tabindex='-1']:not([disabled])").forEach(function (el) {
      el.setAttribute("tabindex", "0");
    });
  }

  function chartName(graph, gd) {
    var title = gd.layout && gd.layout.title;
    var text = title && (typeof title === "string" ? title : title.text);
    if (text) return text.replace(/<[^>]*>/g, "");
    var own = graph.getAttribute("data-chart-name");
    if (own) return own;
    var tile = graph.closest(".tile");
    var head = tile ? tile.querySelector(".tile-title") : null;
    if (head) return head.textContent.trim() + ", trend";
    var card = graph.closest("section");
    head = card && card.querySelector("h2");
    return head ? head.textContent.trim() : "chart";
  }

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text === undefined || text === null ? "" : String(text);
    return el;
  }

  function asList(v) {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    if (ArrayBuffer.isView(v)) return Array.from(v);
    return [v];
  }

  var MAX_ROWS = 400;

  function dataTable(gd, name) {
    var table = document.createElement("table");
    table.appendChild(cell("caption", name));
    var head = document.createElement("tr");
    var body = document.createElement("tbody");
    var rows = 0;
    var heat = (gd.data || []).filter(function (t) { return t.z; });
    if (heat.length) {
      var t = heat[0], xs = asList(t.x), ys = asList(t.y), z = asList(t.z);
      head.appendChild(cell("th", ""));
      xs.forEach(function (x) { head.appendChild(cell("th", x)); });
      z.forEach(function (row, i) {
        if (rows++ >= MAX_ROWS) return;
        var tr = document.createElement("tr");
        tr.appendChild(cell("th", ys[i]));
        asList(row).forEach(function (v, j) {
          var text = t.text && t.text[i] ? t.text[i][j] : null;
          tr.appendChild(cell("td", text !== null && text !== undefined ? text : v));
        });
        body.appendChild(tr);
      });
    } else {
      ["series", "x", "y", "label"].forEach(function (h) { head.appendChild(cell("th", h)); });
      (gd.data || []).forEach(function (t) {
        var xs = asList(t.x), ys = asList(t.y), texts = asList(t.text);
        var n = Math.max(xs.length, ys.length);
        for (var i = 0; i < n && rows < MAX_ROWS; i++, rows++) {
          var tr = document.createElement("tr");
          tr.appendChild(cell("td", t.name || ""));
          tr.appendChild(cell("td", xs[i]));
          tr.appendChild(cell("td", ys[i]));
          tr.appendChild(cell("td", texts.length > 1 ? texts[i] : texts[0]));
          body.appendChild(tr);
        }
      });
    }
    var thead = document.createElement("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    table.appendChild(body);
    return {table: table, rows: rows};
  }

  function describe(gd) {
    var graph = gd.closest(".dash-graph");
    if (!graph || !graph.id) return;
    var name = chartName(graph, gd);
    var found = dataTable(gd, name);
    graph.setAttribute("role", "figure");
    graph.setAttribute("aria-label",
                       name + (found.rows ? " (chart; its data as a table follows)" : " (chart)"));
    var key = graph.id;
    var old = document.querySelector("details.chart-data[data-for='" + CSS.escape(key) + "']");
    if (!found.rows) { if (old) old.remove(); return; }
    var details = old || document.createElement("details");
    details.className = "chart-data";
    details.setAttribute("data-for", key);
    var open = details.open;
    details.replaceChildren(cell("summary", "Data of \u201c" + name + "\u201d as a table"),
                            found.table);
    details.open = open;
    if (details.previousElementSibling !== graph) graph.after(details);
  }

  function watchCharts(root) {
    root.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (gd.__synclensA11y || typeof gd.on !== "function") return;
      gd.__synclensA11y = true;
      gd.on("plotly_afterplot", function () { describe(gd); });
      if (gd.data) describe(gd);
    });
    // tables whose chart is gone
    document.querySelectorAll("details.chart-data").forEach(function (d) {
      if (!document.getElementById(d.getAttribute("data-for"))) d.remove();
    });
  }

  var pending = false;
  function sweep() {
    pending = false;
    fixOptionLists(document);
    fixDropdowns(document);
    watchCharts(document);
  }

  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(sweep);
    }
  }

  function start() {
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["role", "aria-selected", "tabindex"],
    });
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
