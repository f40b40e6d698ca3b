// Charts of metrics (buildCharts and drawCharts, which the run page uses too), and the metrics
// explorer (metrics_explorer.js): grouping, daemon-side aggregation, the address as its state.
'use strict';

const PALETTE = AIM_PALETTE; // common.js: no colour repeats within 24 runs
const LEGEND_CHARS = 80; // a longer legend entry is cut (hover shows the same)
const X_AXES = { step: 'step', epoch: 'epoch', time: 'relative time (s)' };
// Every chart's plotly config: the modebar offers local actions only (zoom, pan, reset, PNG and
// SVG download). plotly.js shows a "send data to Chart Studio" button unless told not to
// (showSendToCloud defaults to true), and its logo links to plotly.com: both are off, nothing
// on a page offers to send a chart's data off the machine.
const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  showLink: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  plotlyServerURL: '',
  modeBarButtonsToRemove: ['sendDataToCloud', 'editInChartStudio'],
  modeBarButtonsToAdd: [{
    name: 'downloadSvg',
    title: 'Download plot as SVG',
    icon: { width: 1000, height: 1000, path: 'M500 0L200 400h200v350h200V400h200zM100 850h800v150H100z' },
    click: (gd) => window.Plotly.downloadImage(gd, { format: 'svg', filename: 'chart' }),
  }],
};

function seriesKey(series, by) {
  if (by === 'metric') return series.name;
  if (by === 'context') return contextText(series.context) || '(no context)';
  if (by === 'run') return runLabel(series.run);
  if (by === 'none') return 'all';
  if (by.startsWith('param:')) return `${by.slice(6)} = ${fmtValue(series.run.params[by.slice(6)])}`;
  return `${series.name} ${contextText(series.context)}`.trim(); // metric and context
}

function ema(values, weight) {
  if (!weight) return values;
  const out = new Array(values.length);
  let last = null;
  let debias = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) { out[i] = null; continue; }
    last = last === null ? (1 - weight) * v : weight * last + (1 - weight) * v;
    debias = weight * debias + (1 - weight);
    out[i] = last / debias;
  }
  return out;
}

function xValues(series, axis) {
  if (axis === 'epoch') return series.epochs;
  if (axis === 'time') {
    const start = series.times.length ? series.times[0] : 0;
    return series.times.map((t) => (t === null ? null : t - start));
  }
  return series.steps;
}

// Plotly figures for series: one per group, traces coloured by colourBy.
function buildCharts(series, options) {
  const groups = new Map();
  const colours = new Map();
  for (const s of series) {
    const group = seriesKey(s, options.groupBy);
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(s);
    const colour = seriesKey(s, options.colourBy);
    if (!colours.has(colour)) colours.set(colour, PALETTE[colours.size % PALETTE.length]);
  }
  return [...groups.entries()].map(([title, members]) => ({
    title,
    traces: members.map((s) => ({
      type: 'scatter',
      mode: s.steps.length > 1 ? 'lines' : 'markers',
      x: xValues(s, options.xAxis),
      y: ema(s.values, options.smoothing),
      name: plotText(shorten(`${runLabel(s.run)} · ${s.name} ${contextText(s.context)}`, LEGEND_CHARS)),
      line: { color: colours.get(seriesKey(s, options.colourBy)), width: 1.5 },
      hovertemplate: `%{fullData.name}<br>${X_AXES[options.xAxis]} %{x}<br>value %{y}<extra></extra>`,
    })),
    layout: {
      title: { text: plotText(title), font: { size: 14 } },
      margin: { l: 50, r: 10, t: 40, b: 40 },
      xaxis: { title: { text: X_AXES[options.xAxis] } },
      yaxis: { type: options.logScale ? 'log' : 'linear' },
      hovermode: 'closest',
      showlegend: true,
      legend: { orientation: 'h', y: -0.2 },
      height: 360,
    },
  }));
}

// Draws charts into container's chart divs, reusing those already there: Plotly.react updates a
// drawn chart in place (a changed control redraws only what changed). The charts on screen are
// drawn first and the promise resolves with them; the others follow one per task, so that the
// page answers meanwhile (a newer draw into the same container stops them). When every chart is
// drawn, the container says so: data-drawn="all". onDrawn(div), if given, follows each draw.
async function drawCharts(container, charts, onDrawn) {
  const Plotly = await loadPlotly();
  const generation = (container.drawGeneration || 0) + 1;
  container.drawGeneration = generation;
  delete container.dataset.drawn;
  const divs = [...container.children];
  for (const div of divs.slice(charts.length)) { Plotly.purge(div); div.remove(); }
  for (let i = divs.length; i < charts.length; i++) container.append(divs[i] = el('div', { class: 'chart' }));
  const draw = async (i) => {
    await Plotly.react(divs[i], charts[i].traces, charts[i].layout, PLOT_CONFIG);
    if (onDrawn) onDrawn(divs[i]);
  };
  const onScreen = (i) => { const box = divs[i].getBoundingClientRect(); return box.bottom > 0 && box.top < window.innerHeight; };
  const first = charts.map((_, i) => i).filter(onScreen);
  const later = charts.map((_, i) => i).filter((i) => !onScreen(i));
  for (const i of first) await draw(i);
  (async () => {
    for (const i of later) {
      await new Promise((resolve) => setTimeout(resolve)); // a task of its own: input goes first
      if (container.drawGeneration !== generation) return;
      await draw(i);
    }
    if (container.drawGeneration === generation) container.dataset.drawn = 'all';
  })();
}

function select(id, options, value) {
  return el('select', { id }, options.map(([v, label]) => el('option', { value: v, text: label, selected: v === value })));
}

