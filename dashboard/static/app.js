// 舆情哨兵 dashboard: duty-screen auto refresh and small form helpers.
// Served as a file so the Content-Security-Policy can forbid inline scripts.
// Crawled text is only ever put into the page with textContent, never innerHTML.
(function () {
  "use strict";

  var LAST_LOOK_KEY = "yuqing.alerts.lastLook";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function readLastLook() {
    try { return Number(window.localStorage.getItem(LAST_LOOK_KEY)) || 0; } catch (e) { return 0; }
  }

  function writeLastLook(ms) {
    try {
      if (ms > readLastLook()) window.localStorage.setItem(LAST_LOOK_KEY, String(ms));
    } catch (e) { /* private mode: highlighting is a convenience only */ }
  }

  function rowFor(a, baseline) {
    var tr = el("tr", "row-risk-" + a.risk);
    tr.dataset.id = a.id;
    tr.dataset.created = String(a.created_ms);
    if (baseline && a.created_ms > baseline) tr.classList.add("fresh");
    var td = el("td");
    td.appendChild(el("span", "risk risk-" + a.risk, a.risk_label));
    tr.appendChild(td);
    td = el("td", "title");
    var link = el("a", null, a.title);
    link.href = a.url;
    td.appendChild(link);
    tr.appendChild(td);
    tr.appendChild(el("td", null, a.category_label));
    td = el("td");
    td.appendChild(el("span", "status status-" + a.status, a.status_label));
    tr.appendChild(td);
    tr.appendChild(el("td", null, a.assignee || "—"));
    tr.appendChild(el("td", "nowrap", a.created));
    return tr;
  }

  function initDutyScreen() {
    var table = document.getElementById("alerts-table");
    if (!table) return;
    var tbody = table.querySelector("tbody");
    var seconds = Number(table.dataset.refresh) || 30;
    // First visit on this browser: what is on screen now counts as seen.
    var baseline = readLastLook() || newestOnPage() || Date.now();
    var state = document.getElementById("refresh-state");
    var banner = document.getElementById("new-banner");
    var baseTitle = document.title;

    function newestOnPage() {
      var newest = 0;
      tbody.querySelectorAll("tr[data-created]").forEach(function (tr) {
        newest = Math.max(newest, Number(tr.dataset.created));
      });
      return newest;
    }

    function markAndRemember() {
      var newest = 0, fresh = 0;
      tbody.querySelectorAll("tr[data-created]").forEach(function (tr) {
        var created = Number(tr.dataset.created);
        newest = Math.max(newest, created);
        if (baseline && created > baseline) { tr.classList.add("fresh"); fresh += 1; }
      });
      banner.hidden = fresh === 0;
      banner.textContent = fresh ? "上次查看后新增 " + fresh + " 条预警（已高亮）" : "";
      document.title = (fresh ? "(" + fresh + ") " : "") + baseTitle;
      writeLastLook(newest);
    }

    function render(data) {
      tbody.textContent = "";
      if (!data.alerts.length) {
        var tr = el("tr", "empty");
        var td = el("td", null, "没有符合条件的预警。");
        td.colSpan = 6;
        tr.appendChild(td);
        tbody.appendChild(tr);
      }
      data.alerts.forEach(function (a) { tbody.appendChild(rowFor(a, baseline)); });
      var total = 0;
      Object.keys(data.counts).forEach(function (s) {
        total += data.counts[s];
        var n = document.querySelector('[data-count="' + s + '"]');
        if (n) n.textContent = String(data.counts[s]);
      });
      var shown = document.getElementById("alerts-total");
      if (shown) shown.textContent = String(data.total);
      var all = document.querySelector('[data-count="all"]');
      if (all) all.textContent = String(total);
      markAndRemember();
    }

    function refresh() {
      fetch(table.dataset.feed, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (r.redirected || !r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(function (data) {
          render(data);
          state.textContent = "已于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false }) + " 刷新，每 " + seconds + " 秒自动刷新";
          state.classList.remove("bad");
        })
        .catch(function () {
          state.textContent = "自动刷新失败，请检查网络或重新登录";
          state.classList.add("bad");
        });
    }

    markAndRemember();
    window.setInterval(refresh, seconds * 1000);
  }

  function initForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
      });
    });
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (button) { button.disabled = true; button.textContent = form.dataset.busy; }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initDutyScreen();
    initForms();
  });
})();
