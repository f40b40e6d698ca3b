// Run page: a tab per part of a run, each at Aim's address (/runs/<hash>/<tab>): overview, params,
// notes, terminal logs, log records, metrics, system metrics, each object kind, settings.
'use strict';

const SYSTEM_PREFIX = '__system__';
const SYSTEM_PARAMS = '__system_params';
const TERMINAL_LOGS = 'logs';
const RUN_TABS = [['overview', 'Overview'], ['run_parameters', 'Params'], ['notes', 'Notes'], ['logs', 'Logs'],
  ['messages', 'Messages'], ['metrics', 'Metrics'], ['system', 'System'], ['distributions', 'Distributions'],
  ['images', 'Images'], ['audios', 'Audios'], ['texts', 'Texts'], ['figures', 'Figures'], ['settings', 'Settings']];

function paramsTree(value) {
  if (value === null || typeof value !== 'object') return el('span', { class: 'value', text: fmtValue(value), title: String(value) });
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  return el('ul', { class: 'tree' }, entries.map(([key, child]) => {
    const branch = child !== null && typeof child === 'object';
    return el('li', {}, branch
      ? el('details', { open: true }, el('summary', {}, el('span', { class: 'key', text: key })), paramsTree(child))
      : [el('span', { class: 'key', text: `${key}: ` }), paramsTree(child)]);
  }));
}

function recordsTable(reply) {
  const note = reply.count > reply.records.length ? `the newest ${reply.records.length} of ${reply.count} records` : '';
  return [note ? el('div', { class: 'note', text: note }) : null,
    el('table', { class: 'runs log-records' },
      el('thead', {}, el('tr', {}, ['time', 'level', 'message', 'arguments'].map((h) => el('th', { text: h })))),
      el('tbody', {}, reply.records.map((r) => el('tr', { class: `level-${String(r.level_name).toLowerCase()}` },
        el('td', { text: fmtTime(r.time) }), el('td', { class: 'level', text: r.level_name }),
        el('td', { class: 'text' }, el('pre', { text: r.message })),
        el('td', { class: 'text', text: r.args ? JSON.stringify(r.args) : '' })))))];
}

// One audio sequence: its newest steps' clips, played in place.
function audioView(div, seq) {
  if (seq.count > seq.steps.length) div.append(el('div', { class: 'note', text: `the newest ${seq.steps.length} of ${seq.count} steps` }));
  div.append(el('div', { class: 'grid' }, seq.steps.flatMap((step, i) => seq.audios[i].map((clip) => el('figure', {},
    el('audio', { controls: true, preload: 'none', src: clip.src }),
    el('figcaption', { text: `step ${step}${clip.caption ? ` · ${clip.caption}` : ''}` }))))));
}
OBJECT_VIEWS.audios = audioView;

function runStatus(p) {
  return p.archived ? 'archived' : p.active ? 'active' : 'finished';
}

function propsTable(rows) {
  return el('table', { class: 'props' }, rows.map(([k, v]) => el('tr', {}, el('td', { text: k }),
    el('td', {}, v instanceof Node ? v : el('span', { text: v ?? '', title: v ?? '' })))));
}

// Git, packages and environment from the params a tracking process records about itself.
function systemSections(system) {
  if (!system || typeof system !== 'object') return [];
  const out = [];
  const git = system.git_info;
  if (git && typeof git === 'object') out.push(el('h2', { text: 'Git' }), propsTable(Object.entries(git).map(([k, v]) => [k, fmtValue(v)])));
  for (const [key, title] of [['executable', 'Executable'], ['arguments', 'Arguments']]) {
    if (system[key] !== undefined) out.push(el('h2', { text: title }), el('pre', { class: 'system', text: fmtValue(system[key]) }));
  }
  for (const [key, title] of [['packages', 'Packages'], ['env_variables', 'Environment']]) {
    const entries = Object.entries(system[key] || {});
    if (entries.length) {
      out.push(el('details', { class: `system-${key}` }, el('summary', { text: `${title} (${entries.length})` }),
        propsTable(entries.map(([k, v]) => [k, fmtValue(v)]))));
    }
  }
  return out;
}

// The run's tab contents, each filling box from run (the /api/runs/<hash> reply).
const RUN_TAB_VIEWS = {
  async overview(box, run, ctx) {
    const p = run.props;
    const counts = Object.entries(run.sequences).map(([kind, seqs]) => `${kind}: ${seqs.length}`).join(', ');
    box.append(propsTable([['hash', p.hash], ['name', p.name], ['experiment', p.experiment ? el('a', { href: `experiments/${encodeURIComponent(p.experiment)}`, text: p.experiment }) : ''],
      ['description', p.description], ['tags', p.tags.join(', ')], ['status', runStatus(p)],
      ['created', fmtTime(p.created)], ['ended', fmtTime(p.ended)], ['duration', fmtDuration(p.duration)], ['sequences', counts]]),
    ...systemSections((run.params || {})[SYSTEM_PARAMS]));
    const { artifacts } = await api(`${ctx.base}/artifacts`);
    if (artifacts.length) {
      box.append(el('h2', { text: 'Artifacts' }), el('table', { class: 'runs artifacts' },
        el('tr', {}, el('th', { text: 'name' }), el('th', { text: 'stored at' })),
        artifacts.map((a) => el('tr', {}, el('td', {}, el('a', { href: a.download, download: '', text: a.name })),
          el('td', { text: a.uri })))));
    }
    ctx.rendered();
  },
  run_parameters(box, run, ctx) {
    box.append(el('div', { class: 'params' }, paramsTree(run.params)));
    ctx.rendered();
  },
  async logs(box, run, ctx) {
    const note = el('div', { class: 'note' });
    const pre = el('pre', { class: 'logs', id: 'terminal-logs' });
    const fill = async () => {
      const reply = await api(`${ctx.base}/logs`);
      note.textContent = reply.count > reply.lines.length ? `the last ${reply.lines.length} of ${reply.count} lines` : '';
      const follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4; // at the end: stay there
      pre.textContent = reply.lines.length ? reply.lines.join('\n') : '(no terminal logs)';
      if (follow) pre.scrollTop = pre.scrollHeight;
    };
    box.append(note, pre);
    await fill();
    const refill = throttled(fill, 300); // the newest lines only: no query
    ctx.live((change) => { if (change.series.some((s) => s.name === TERMINAL_LOGS)) refill(); });
    ctx.rendered();
  },
  async messages(box, run, ctx) {
    box.append(...recordsTable(await api(`${ctx.base}/log_records`)).filter(Boolean));
    ctx.rendered();
  },
  metrics: (box, run, ctx) => metricCharts(box, run, ctx, false),
  system: (box, run, ctx) => metricCharts(box, run, ctx, true),
  distributions: (box, run, ctx) => objectTab(box, run, ctx, 'distributions', distributionView),
  images: (box, run, ctx) => objectTab(box, run, ctx, 'images'),
  audios: (box, run, ctx) => objectTab(box, run, ctx, 'audios'),
  texts: (box, run, ctx) => objectTab(box, run, ctx, 'texts'),
  figures: (box, run, ctx) => objectTab(box, run, ctx, 'figures'),
};

async function metricCharts(box, run, ctx, system) {
  const charts = el('div', { class: 'charts', id: system ? 'run-system' : 'run-metrics' });
  box.append(charts);
  const reply = await api(`${ctx.base}/metrics`, { max_points: 1000 });
  const p = run.props;
  const series = reply.series.map((s) => ({ ...s, run: { hash: p.hash, name: p.name, params: {} } }))
    .filter((s) => s.name.startsWith(SYSTEM_PREFIX) === system);
  if (!series.length) box.append(el('p', { class: 'note', text: system ? 'No system metrics.' : 'No metrics.' }));
  const options = { groupBy: 'metric+context', colourBy: 'metric', xAxis: system ? 'time' : 'step', logScale: false, smoothing: 0 };
  await drawCharts(charts, buildCharts(series, options));
  const redraw = throttled(() => drawCharts(charts, buildCharts(series, options)), 200);
  ctx.live((change) => { if (appendPoints(series, change)) redraw(); }); // new points, no query
  ctx.rendered();
}

// A distribution sequence: the histogram at one step (a slider picks it), then every step as a heatmap.
async function distributionView(div, seq) {
  const Plotly = await loadPlotly();
  const centers = seq.edges.slice(0, -1).map((e, i) => (e + seq.edges[i + 1]) / 2);
  const chart = el('div', { class: 'chart histogram' });
  const slider = stepSlider(seq.steps, (i) => Plotly.react(chart, [{ type: 'bar', x: centers, y: seq.weights[i], marker: { color: AIM_PALETTE[0] } }],
    { margin: { l: 50, r: 10, t: 20, b: 40 }, xaxis: { title: { text: 'value' } }, yaxis: { title: { text: 'weight' } }, height: 300, bargap: 0 },
    { responsive: true, displaylogo: false }));
  div.append(slider.node, chart);
  await slider.show();
  await OBJECT_VIEWS.distributions(div, seq);
}

async function objectTab(box, run, ctx, kind, view) {
  const reply = await api(`api/${kind}`, { q: `run.hash == ${JSON.stringify(run.props.hash)}` });
  if (!reply.sequences.length) box.append(el('p', { class: 'note', text: `No ${kind} in this run.` }));
  for (const seq of reply.sequences) {
    const div = el('div', { class: 'sequence', 'data-name': seq.name },
      el('h3', { text: `${seq.name} ${contextText(seq.context)}` }),
      el('a', { href: `${kind}?q=${encodeURIComponent(`run.hash == ${JSON.stringify(run.props.hash)} and ${kind}.name == ${JSON.stringify(seq.name)}`)}`, text: `open in the ${kind} explorer` }));
    box.append(div);
    await (view || OBJECT_VIEWS[kind])(div, seq);
  }
  ctx.rendered();
}

PAGES.run = async (main) => {
  const hash = pagePath()[1];
  const error = el('div', { class: 'error' });
  const title = el('h1', { class: 'run-name' });
  const tabs = el('div', { class: 'tabs', role: 'tablist' });
  const box = el('div', { class: 'tab', id: 'tab' });
  main.append(title, tabs, error, box);
  const ctx = { base: `api/runs/${encodeURIComponent(hash)}`, hash };
  let run;
  let shown = 0; // a tab's content is dropped when another tab was opened meanwhile
  let tabLive = null; // what the tab on screen does with a live change
  async function load() {
    run = await api(ctx.base);
    title.textContent = run.props.name || run.props.hash;
    title.title = run.props.hash;
  }
  async function show() {
    const tab = pagePath()[2] || 'overview';
    const mine = ++shown;
    const label = (RUN_TABS.find(([key]) => key === tab) || [tab, tab])[1];
    setTitle(run.props.name || run.props.hash, label, 'Run');
    for (const link of tabs.children) link.classList.toggle('current', link.dataset.tab === tab);
    showError(error, null);
    const content = el('div', { 'data-tab': tab });
    box.replaceChildren(content);
    const view = RUN_TAB_VIEWS[tab];
    tabLive = null;
    const tabCtx = { ...ctx, rendered: () => { if (mine === shown) markRendered(`run-${tab}`); }, reload: async () => { await load(); show(); },
      live: (fn) => { if (mine === shown) tabLive = fn; } };
    try {
      await view(content, run, tabCtx);
    } catch (err) {
      if (mine === shown) showError(error, err);
    }
  }
  for (const [key, label] of RUN_TABS) {
    tabs.append(el('a', { href: runHref(hash, key), text: label, 'data-tab': key, onclick: (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      history.pushState(null, '', runHref(hash, key));
      show();
    } }));
  }
  window.addEventListener('popstate', show);
  try {
    await load();
  } catch (err) {
    showError(error, err);
    return;
  }
  const refreshOverview = throttled(() => { if ((pagePath()[2] || 'overview') === 'overview') show(); }, 300);
  LIVE.watch([hash], (change) => {
    if (change.deleted) { error.textContent = 'This run was deleted.'; return; }
    if (change.props) {
      run.props = { ...run.props, ...change.props, name: change.props.name, description: run.props.description };
      title.textContent = run.props.name || run.props.hash;
      refreshOverview();
    }
    if (tabLive) tabLive(change);
  }, (reason) => { error.textContent = reason.notice.includes('deleted') ? `This run was deleted (${reason.notice}).` : `Live updates ended: ${reason.notice}`; },
  () => show());
  await show();
};

// Settings: rename (a name cannot be empty), description, experiment, tags, archive, delete.
RUN_TAB_VIEWS.settings = (box, run, ctx) => {
  const p = run.props;
  const error = el('div', { class: 'error settings-error' });
  const saved = el('div', { class: 'ok settings-saved' });
  const input = (id, value) => el('input', { type: 'text', id, value: value || '' });
  const name = input('setting-name', p.name);
  const description = el('textarea', { id: 'setting-description', value: p.description || '' });
  const experiment = input('setting-experiment', p.experiment);
  const tag = input('setting-tag', '');
  const change = async (call, message) => {
    showError(error, null);
    saved.textContent = '';
    try {
      await call();
      await ctx.reload();
      // the tab is drawn again by reload; its new box says what was done
      const again = document.querySelector('.settings-saved');
      if (again) again.textContent = message;
    } catch (err) {
      showError(error, err);
    }
  };
  const settings = (body) => post(`${ctx.base}/settings`, body);
  box.append(el('form', { class: 'settings', onsubmit: (event) => {
    event.preventDefault();
    if (!name.value.trim()) { error.textContent = 'A run needs a name: it cannot be empty.'; return; }
    change(() => settings({ name: name.value, description: description.value, experiment: experiment.value }), 'Saved.');
  } },
  el('label', { for: 'setting-name', text: 'Name' }), name,
  el('label', { for: 'setting-description', text: 'Description' }), description,
  el('label', { for: 'setting-experiment', text: 'Experiment' }), experiment,
  el('div', { class: 'controls' }, el('button', { type: 'submit', id: 'save-settings', text: 'Save' }))),
  el('h2', { text: 'Tags' }),
  el('div', { class: 'controls actions' }, p.tags.map((t) => el('span', { class: 'tag' }, t, ' ',
    el('button', { class: 'remove-tag', title: `remove ${t}`, text: '×', onclick: () => change(() => post(`${ctx.base}/tags`, { remove: t }), `Removed ${t}.`) }))),
  tag, el('button', { id: 'add-tag', text: 'Add tag', onclick: () => change(() => post(`${ctx.base}/tags`, { add: tag.value }), `Tagged ${tag.value}.`) })),
  el('h2', { text: 'Archive' }),
  el('div', { class: 'controls actions' }, el('span', { text: p.archived ? 'This run is archived: queries leave it out unless asked.' : 'This run is not archived.' }),
    el('button', { id: 'archive', text: p.archived ? 'Unarchive' : 'Archive',
      onclick: () => change(() => post(`${ctx.base}/archive`, { archived: !p.archived }), p.archived ? 'Unarchived.' : 'Archived.') })),
  el('h2', { text: 'Delete' }),
  el('div', { class: 'controls actions' }, el('span', { text: 'Deletes the run with everything tracked into it, for good.' }),
    el('button', { id: 'delete-run', class: 'danger', text: 'Delete run', onclick: async () => {
      if (!confirm(`Delete run ${p.name || p.hash} with everything tracked into it?`)) return;
      showError(error, null);
      try {
        await post(ctx.base, {}, 'DELETE');
        location.assign('runs');
      } catch (err) {
        showError(error, err);
      }
    } })),
  error, saved);
  ctx.rendered();
};
