// Params explorer (parallel coordinates over chosen params and metric statistics, brushing an
// axis filters the runs table) and Scatters explorer (one point per run, x and y each a param or
// a metric statistic). The address holds the view: ?q=, cols= (a JSON list of column ids), color=,
// sel= (a JSON object: column id -> [low, high], the brushed ranges); scatters: x=, y=, color=,
// trend=1. A column id is "p:<param path>" or "m:<last|min|max>:<metric label>".
'use strict';

const STATS = ['last', 'min', 'max'];

function columnLabel(id) {
  if (id.startsWith('p:')) return id.slice(2);
  const [, stat, ...label] = id.split(':');
  return `${label.join(':')} (${stat})`;
}

function columnValue(row, id) {
  if (id.startsWith('p:')) return row.run.params[id.slice(2)];
  const [, stat, ...label] = id.split(':');
  const metric = row.metrics[label.join(':')];
  return metric ? metric[stat] : undefined;
}

function jsonParam(params, name, fallback) {
  try {
    const value = JSON.parse(params.get(name));
    return value === null ? fallback : value;
  } catch (err) {
    return fallback;
  }
}

// The runs of a query with their params and metric statistics, and every column id they offer.
async function runsWithMetrics(query) {
  const [runs, metrics] = await Promise.all([api('/api/runs', { q: query }), api('/api/runs_metrics', { q: query })]);
  const rows = runs.runs.map((run) => ({ run, metrics: metrics.metrics[run.hash] || {} }));
  const params = new Set(); const labels = new Set();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row.run.params)) if (params.size < 300 && typeof value !== 'object') params.add(key);
    for (const label of Object.keys(row.metrics)) if (labels.size < 200) labels.add(label);
  }
  const columns = [...[...params].sort().map((p) => `p:${p}`), ...[...labels].sort().flatMap((l) => STATS.map((s) => `m:${s}:${l}`))];
  return { rows, columns };
}

// A parcoords dimension of a column: numbers as they are, anything else as categories.
function dimension(rows, id, range) {
  const values = rows.map((row) => columnValue(row, id));
  const numeric = values.every((v) => v === undefined || v === null || typeof v === 'number');
  const dim = { label: plotText(shorten(columnLabel(id), 40)) };
  if (numeric) dim.values = values.map((v) => (typeof v === 'number' ? v : NaN));
  else {
    const names = [...new Set(values.map(valueText))].sort();
    dim.values = values.map((v) => names.indexOf(valueText(v)));
    dim.tickvals = names.map((_, i) => i);
    dim.ticktext = names.map((n) => plotText(shorten(n, 20)));
  }
  if (range) dim.constraintrange = range;
  return dim;
}

function inRange(value, range) {
  const ranges = Array.isArray(range[0]) ? range : [range];
  return ranges.some(([low, high]) => value >= low && value <= high);
}

function columnPicker(id, columns, chosen, multiple) {
  return el('select', { id, multiple, size: multiple ? 6 : undefined },
    columns.map((c) => el('option', { value: c, text: columnLabel(c), selected: chosen.includes(c) })));
}

function runsTable(rows, columns) {
  return el('table', { class: 'runs explorer-runs' },
    el('thead', {}, el('tr', {}, el('th', { text: 'run' }), columns.map((c) => el('th', { text: columnLabel(c) })))),
    el('tbody', {}, rows.map((row) => el('tr', { 'data-hash': row.run.hash },
      el('td', {}, runLink(row.run)), columns.map((c) => el('td', { text: valueText(columnValue(row, c)) }))))));
}

// The query form of an explorer whose address is its state: a search is a step in the history.
function explorerQuery(query, onSearch) {
  const input = el('input', { type: 'text', name: 'q', value: query, spellcheck: false, placeholder: 'AimQL over runs, e.g. run.hparams.lr > 1e-4' });
  const form = el('form', { class: 'query' }, input, el('button', { type: 'submit', text: 'Search' }));
  form.addEventListener('submit', (event) => { event.preventDefault(); onSearch(input.value); });
  return { form, input, error: el('div', { class: 'error query-error' }) };
}

function setParam(params, name, value, push) {
  if (value === '' || value === null || value === undefined) params.delete(name); else params.set(name, value);
  const url = `${location.pathname}${params.toString() ? `?${params}` : ''}`;
  if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
}

PAGES.params = (main) => {
  const latest = latestOnly();
  let data = { rows: [], columns: [] };
  loadPlotly();
  const box = explorerQuery(new URLSearchParams(location.search).get('q') || '', (query) => {
    const params = new URLSearchParams(location.search);
    params.delete('sel');
    setParam(params, 'q', query, true);
    load();
  });
  const pickers = el('div', { class: 'controls' });
  const note = el('div', { class: 'note' });
  const chart = el('div', { class: 'chart parcoords' });
  const table = el('div', {});
  main.append(el('h1', { text: 'Params' }), box.form, box.error, pickers, note, chart, table);
  window.addEventListener('popstate', load);
  load();

  function view() {
    const params = new URLSearchParams(location.search);
    const cols = jsonParam(params, 'cols', null);
    const numeric = data.columns.filter((c) => data.rows.some((r) => typeof columnValue(r, c) === 'number'));
    const chosen = Array.isArray(cols) ? cols.map(String)
      : [...numeric.filter((c) => c.startsWith('p:')).slice(0, 6), ...numeric.filter((c) => c.startsWith('m:last:')).slice(0, 2)];
    const sel = jsonParam(params, 'sel', {});
    return { params, chosen, color: params.get('color') || chosen[chosen.length - 1] || '', sel: typeof sel === 'object' ? sel : {} };
  }

  async function load() {
    const current = latest();
    const query = new URLSearchParams(location.search).get('q') || '';
    box.input.value = query;
    showError(box.error, null);
    try {
      data = await runsWithMetrics(query);
    } catch (err) {
      if (!current()) return;
      data = { rows: [], columns: [] };
      chart.replaceChildren(); table.replaceChildren(); note.textContent = '';
      showError(box.error, err);
      return;
    }
    if (!current()) return;
    await render();
  }

  async function render() {
    const Plotly = await loadPlotly();
    const { params, chosen, color, sel } = view();
    const columnsPick = columnPicker('columns', data.columns, chosen, true);
    const colourPick = columnPicker('colour-by', data.columns, [color], false);
    columnsPick.addEventListener('change', () => { setParam(params, 'cols', JSON.stringify([...columnsPick.selectedOptions].map((o) => o.value))); render(); });
    colourPick.addEventListener('change', () => { setParam(params, 'color', colourPick.value); render(); });
    pickers.replaceChildren(el('label', {}, 'columns ', columnsPick), el('label', {}, 'colour by ', colourPick));
    const colours = data.rows.map((row) => columnValue(row, color));
    const trace = {
      type: 'parcoords',
      dimensions: chosen.map((c) => dimension(data.rows, c, sel[c])),
      line: colours.every((v) => typeof v === 'number' || v === undefined)
        ? { color: colours.map((v) => (v === undefined ? NaN : v)), colorscale: 'Viridis', showscale: true }
        : { color: colours.map((v) => [...new Set(colours.map(valueText))].indexOf(valueText(v))), colorscale: 'Portland' },
    };
    await Plotly.react(chart, [trace], { margin: { l: 80, r: 80, t: 60, b: 30 }, height: 420 }, PLOT_CONFIG);
    if (!chart.brushWired) {
      chart.brushWired = true;
      chart.on('plotly_restyle', () => { // a brush moved: its ranges go to the address and the table
        const now = view();
        const ranges = {};
        chart.data[0].dimensions.forEach((dim, i) => { if (dim.constraintrange && now.chosen[i]) ranges[now.chosen[i]] = dim.constraintrange; });
        setParam(now.params, 'sel', Object.keys(ranges).length ? JSON.stringify(ranges) : '');
        showTable();
      });
    }
    showTable();
    markRendered('params');
  }

  function showTable() {
    const { chosen, sel } = view();
    const shown = data.rows.filter((row, r) => chosen.every((c, i) => !sel[c] || inRange(chart.data[0].dimensions[i].values[r], sel[c])));
    note.textContent = `${shown.length} of ${data.rows.length} run(s)` + (Object.keys(sel).length ? ' in the brushed ranges' : '');
    table.replaceChildren(runsTable(shown, chosen));
  }
};

PAGES.scatters = (main) => {
  const latest = latestOnly();
  let data = { rows: [], columns: [] };
  loadPlotly();
  const box = explorerQuery(new URLSearchParams(location.search).get('q') || '', (query) => {
    setParam(new URLSearchParams(location.search), 'q', query, true);
    load();
  });
  const pickers = el('div', { class: 'controls' });
  const note = el('div', { class: 'note' });
  const chart = el('div', { class: 'chart scatter' });
  main.append(el('h1', { text: 'Scatters' }), box.form, box.error, pickers, note, chart);
  window.addEventListener('popstate', load);
  load();

  async function load() {
    const current = latest();
    box.input.value = new URLSearchParams(location.search).get('q') || '';
    showError(box.error, null);
    try {
      data = await runsWithMetrics(box.input.value);
    } catch (err) {
      if (!current()) return;
      chart.replaceChildren(); note.textContent = '';
      showError(box.error, err);
      return;
    }
    if (current()) await render();
  }

  async function render() {
    const Plotly = await loadPlotly();
    const params = new URLSearchParams(location.search);
    const numeric = data.columns.filter((c) => data.rows.some((r) => typeof columnValue(r, c) === 'number'));
    const x = params.get('x') || numeric.find((c) => c.startsWith('p:')) || numeric[0] || '';
    const y = params.get('y') || numeric.find((c) => c.startsWith('m:last:')) || numeric[1] || '';
    const color = params.get('color') || '';
    const trend = params.get('trend') === '1';
    const pick = (id, value, name, blank) => {
      const node = columnPicker(id, data.columns, [value], false);
      if (blank) node.prepend(el('option', { value: '', text: 'none', selected: !value }));
      node.addEventListener('change', () => { setParam(params, name, node.value); render(); });
      return node;
    };
    const trendBox = el('input', { type: 'checkbox', id: 'trend', checked: trend });
    trendBox.addEventListener('change', () => { setParam(params, 'trend', trendBox.checked ? '1' : ''); render(); });
    pickers.replaceChildren(el('label', {}, 'x ', pick('x-column', x, 'x')), el('label', {}, 'y ', pick('y-column', y, 'y')),
      el('label', {}, 'colour by ', pick('colour-by', color, 'color', true)), el('label', {}, trendBox, ' linear trend'));
    const points = data.rows.filter((r) => typeof columnValue(r, x) === 'number' && typeof columnValue(r, y) === 'number');
    const groups = new Map();
    for (const row of points) {
      const key = color ? `${columnLabel(color)}=${valueText(columnValue(row, color))}` : 'runs';
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(row);
    }
    const traces = [...groups].map(([key, rows], i) => ({
      type: 'scatter', mode: 'markers', name: plotText(shorten(key, 60)),
      x: rows.map((r) => columnValue(r, x)), y: rows.map((r) => columnValue(r, y)),
      customdata: rows.map((r) => r.run.hash), text: rows.map((r) => plotText(runLabel(r.run))),
      marker: { color: PALETTE[i % PALETTE.length], size: 9 },
      hovertemplate: `%{text}<br>${plotText(columnLabel(x))} %{x}<br>${plotText(columnLabel(y))} %{y}<extra></extra>`,
    }));
    if (trend && points.length > 1) {
      const xs = points.map((r) => columnValue(r, x)); const ys = points.map((r) => columnValue(r, y));
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length; const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const sxx = xs.reduce((a, v) => a + (v - mx) ** 2, 0);
      const slope = sxx ? xs.reduce((a, v, i) => a + (v - mx) * (ys[i] - my), 0) / sxx : 0;
      const ends = [Math.min(...xs), Math.max(...xs)];
      traces.push({ type: 'scatter', mode: 'lines', name: `trend (slope ${valueText(slope)})`, x: ends, y: ends.map((v) => my + slope * (v - mx)),
        line: { color: '#1d2433', dash: 'dash' }, hoverinfo: 'name' });
    }
    note.textContent = `${points.length} of ${data.rows.length} run(s) have both values`;
    await Plotly.react(chart, traces, { margin: { l: 60, r: 10, t: 20, b: 50 }, height: 480, hovermode: 'closest',
      xaxis: { title: { text: plotText(columnLabel(x)) } }, yaxis: { title: { text: plotText(columnLabel(y)) } },
      showlegend: Boolean(color) || trend }, PLOT_CONFIG);
    if (!chart.clickWired) {
      chart.clickWired = true;
      chart.on('plotly_click', (event) => {
        const point = event.points && event.points[0];
        if (point && point.customdata) location.href = `runs/${encodeURIComponent(point.customdata)}`;
      });
    }
    markRendered('scatters');
  }
};
