// Charts from data-series JSON (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  function line(el, s) {
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: s.points.map(function (p) { return String(p.year); }) },
      yAxis: { type: "value", name: s.unit },
      series: [{ type: "line", name: s.name, data: s.points.map(function (p) { return p.value; }) }]
    });
  }
  function pivot(el, s) {
    var chart = echarts.init(el);
    var years = s.years.map(String);
    var rows = s.rows;  // the page sends at most 20 publishers: more lines are unreadable; the table has all
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { top: 40 },
      xAxis: { type: "category", data: years },
      yAxis: { type: "value", name: s.label },
      series: rows.map(function (r) {
        return { type: "line", name: r.agency || r.site, connectNulls: true,
                 data: years.map(function (y) { return r.years[y] ? r.years[y].value : null; }) };
      })
    });
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var data = JSON.parse(el.getAttribute("data-series"));
    (el.getAttribute("data-chart") === "pivot" ? pivot : line)(el, data);
    el.setAttribute("data-rendered", "1");
  });
})();
