/* Assessment dashboards: draws each <div data-chart="…" data-source="id"> with
 * ECharts from the page's json_script block. Numbers arrive as strings
 * (Decimals); ECharts reads numeric strings as numbers. */
(function () {
  "use strict";

  function bars(names, values) {
    return {
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: names, inverse: true },
      series: [{ type: "bar", data: values, label: { show: true, position: "right" } }],
    };
  }

  function yearly(years, series, stacked) {
    return {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 8, right: 8, top: 16, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: years },
      yAxis: { type: "value" },
      series: series.map(function (s) {
        return { name: s.name, type: "bar", stack: stacked ? "all" : undefined, data: s.data };
      }),
    };
  }

  var builders = {
    ranking: function (d) { return bars(d.ranking.names, d.ranking.values); },
    status: function (d) {
      return {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: d.status, label: { formatter: "{b} {c}" } }],
      };
    },
    money: function (d) { return yearly(d.years, d.money, false); },
    projects: function (d) { return yearly(d.years, d.projects, true); },
    people: function (d) {
      var option = yearly(d.years, [{ name: d.labels ? d.labels.people : "", data: d.people_on_post }], false);
      option.yAxis = [{ type: "value" }, { type: "value", max: 120 }];
      option.series.push({ name: d.labels ? d.labels.score : "", type: "line", yAxisIndex: 1, data: d.score });
      return option;
    },
  };

  function draw(element) {
    var source = document.getElementById(element.dataset.source);
    var build = builders[element.dataset.chart];
    if (!source || !build || typeof echarts === "undefined") return;
    // SVG keeps the charts sharp when the page is printed.
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(build(JSON.parse(source.textContent)));
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
