/* Draw each figure with ECharts from the numbers in its own table (no inline script: the CSP forbids it).
   A table says how: data-chart "bar" (a bar group per row, a series per column in data-series) or "line"
   (a line per row over the columns in data-series); data-label is the column that names a row. */
(function () {
  'use strict';

  function cellValue(cell) {
    var raw = cell.getAttribute('data-value');
    return raw === null ? null : Number(raw);
  }

  function readTable(table) {
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) { return c.textContent.trim(); });
    var rows = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells; });
    return { headers: headers, rows: rows };
  }

  function option(table) {
    var data = readTable(table);
    var label = Number(table.getAttribute('data-label'));
    var series = table.getAttribute('data-series').split(',').map(Number);
    var names = data.rows.map(function (cells) { return cells[label].textContent.trim(); });
    var base = { tooltip: { trigger: 'axis', confine: true }, legend: { type: 'scroll', top: 0 },
                 grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true } };
    if (table.getAttribute('data-chart') === 'line') {
      base.xAxis = { type: 'category', data: series.map(function (i) { return data.headers[i]; }) };
      base.yAxis = { type: 'value', max: 100 };
      base.series = data.rows.map(function (cells, n) {
        return { name: names[n], type: 'line', connectNulls: false, showSymbol: true, symbolSize: 8,
                 data: series.map(function (i) { return cellValue(cells[i]); }) };
      });
    } else {
      base.xAxis = { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 30 : 0 } };
      base.yAxis = { type: 'value' };
      base.series = series.map(function (i) {
        return { name: data.headers[i], type: 'bar',
                 data: data.rows.map(function (cells) { return cellValue(cells[i]); }) };
      });
    }
    return base;
  }

  function draw() {
    if (!window.echarts) { return; }
    var charts = [];
    document.querySelectorAll('.figure-chart').forEach(function (box) {
      var table = document.getElementById(box.getAttribute('data-for'));
      if (!table) { return; }
      var chart = window.echarts.init(box, null, { renderer: 'canvas' });
      chart.setOption(option(table));
      charts.push(chart);
    });
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
}());
