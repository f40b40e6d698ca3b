// Runs page: a sortable table of the runs a query selects, with archive, tag and delete actions.
'use strict';

const PAGE_ROWS = 200; // rows rendered at once; "Show more" adds more
const DEFAULT_PARAM_COLUMNS = 6;
const DEFAULT_METRIC_COLUMNS = 4;

PAGES.runs = (main) => {
  const latest = latestOnly(); // replies to older searches are dropped
  const state = { runs: [], metrics: {}, params: [], metricKeys: [], shownParams: null, shownMetrics: null,
    sort: { key: 'created', desc: true }, selected: new Set(), limit: PAGE_ROWS };
  const archived = el('input', { type: 'checkbox', id: 'show-archived' });
  const box = queryBox('AimQL over runs, e.g. run.hparams.lr > 1e-4 and run.experiment == "resnet"', search);
  const note = el('div', { class: 'note' });
  const actionError = el('div', { class: 'error action-error' });
  const tagInput = el('input', { type: 'text', placeholder: 'tag', id: 'tag-input' });
  const actions = el('div', { class: 'controls actions' },
    el('button', { text: 'Archive', onclick: () => act((h) => post(`/api/runs/${h}/archive`, { archived: true })) }),
    el('button', { text: 'Unarchive', onclick: () => act((h) => post(`/api/runs/${h}/archive`, { archived: false })) }),
    tagInput,
    el('button', { text: 'Add tag', onclick: () => act((h) => post(`/api/runs/${h}/tags`, { add: tagInput.value })) }),
    el('button', { text: 'Remove tag', onclick: () => act((h) => post(`/api/runs/${h}/tags`, { remove: tagInput.value })) }),
    el('button', { text: 'Delete', class: 'delete', onclick: () => {
      if (confirm(`Delete ${state.selected.size} run(s) with everything tracked into them?`)) {
        act((h) => post(`/api/runs/${h}`, {}, 'DELETE'));
      }
    } }),
    el('label', {}, archived, ' show archived'));
  const columns = el('details', { class: 'columns' }, el('summary', { text: 'Columns' }));
  const table = el('table', { class: 'runs' });
  const more = el('button', { text: 'Show more', onclick: () => { state.limit += PAGE_ROWS * 5; renderTable(); } });
  main.append(el('h1', { text: 'Runs' }), box.form, box.error, actions, actionError, columns, note,
    el('div', { class: 'table-scroll' }, table), more);
  archived.addEventListener('change', () => search(box.input.value));
  box.start();
  // live: status, duration and last / min / max values as runs are tracked, without a query
  const redraw = throttled(() => renderTable(), 250);
  LIVE.watch([], (change) => {
    const run = state.runs.find((r) => r.hash === change.run);
    if (!run) return;
    if (change.deleted) { state.runs = state.runs.filter((r) => r !== run); redraw(); return; }
    if (change.props) Object.assign(run, { ...change.props, params: run.params });
    const metrics = state.metrics[run.hash] || (state.metrics[run.hash] = {});
    for (const update of change.series) {
      if ((update.dtype !== 'int' && update.dtype !== 'float') || !update.values.length) continue;
      const label = metricLabel(update.name, update.context);
      const finite = update.values.filter((v) => v !== null);
      const stat = metrics[label] || (metrics[label] = { last: null, min: null, max: null });
      stat.last = update.values[update.values.length - 1];
      if (finite.length) {
        stat.min = stat.min === null ? Math.min(...finite) : Math.min(stat.min, ...finite);
        stat.max = stat.max === null ? Math.max(...finite) : Math.max(stat.max, ...finite);
      }
    }
    redraw();
  }, null, () => search(box.input.value));

  async function search(query) {
    const current = latest();
    showError(box.error, null);
    const params = { q: query, archived: archived.checked ? 1 : '' };
    try {
      const first = await api('/api/runs', { ...params, limit: PAGE_ROWS }); // the newest: shown at once
      if (!current()) return;
      state.selected.clear();
      state.limit = PAGE_ROWS;
      showRuns(first);
      markRendered('runs');
      if (!first.complete) {
        const all = await api('/api/runs', params); // then every run, for sorting and paging
        if (!current()) return;
        showRuns(all);
      }
    } catch (err) {
      if (current()) showError(box.error, err);
      return;
    }
    const metrics = await api('/api/runs_metrics', params).catch(() => ({ metrics: {} })); // after the table
    if (!current()) return;
    state.metrics = metrics.metrics;
    const keys = new Set();
    for (const byKey of Object.values(state.metrics)) for (const key of Object.keys(byKey)) if (keys.size < 500) keys.add(key);
    state.metricKeys = [...keys].sort();
    state.shownMetrics = state.shownMetrics || state.metricKeys.slice(0, DEFAULT_METRIC_COLUMNS);
    renderColumnsChooser();
    renderTable();
  }

  function showRuns(reply) {
    state.runs = reply.runs;
    const keys = new Set();
    for (const run of state.runs) for (const key of Object.keys(run.params)) if (keys.size < 500) keys.add(key);
    state.params = [...keys].sort();
    state.shownParams = state.shownParams || state.params.slice(0, DEFAULT_PARAM_COLUMNS);
    note.textContent = (reply.complete ? `${state.runs.length} run(s)` : `the newest ${state.runs.length} runs; loading the others…`) +
      (reply.params_truncated ? '; some runs have more params than the table shows (all are on the run page)' : '');
    renderTable();
  }

  async function act(call) {
    showError(actionError, null);
    if (!state.selected.size) { actionError.textContent = 'Select runs first (the boxes on the left).'; return; }
    try {
      for (const hash of state.selected) await call(encodeURIComponent(hash));
    } catch (err) {
      showError(actionError, err);
    }
    search(box.input.value);
  }

  function columnList() {
    const cols = [
      { key: 'name', title: 'Name', get: (r) => r.name || r.hash, cell: (r) => runLink(r) },
      { key: 'hash', title: 'Hash', get: (r) => r.hash },
      { key: 'experiment', title: 'Experiment', get: (r) => r.experiment },
      { key: 'tags', title: 'Tags', get: (r) => r.tags.join(','), cell: (r) => r.tags.map((t) => el('span', { class: 'tag', text: t })) },
      { key: 'status', title: 'Status', get: (r) => (r.archived ? 'archived' : r.active ? 'active' : 'finished') },
      { key: 'created', title: 'Created', get: (r) => r.created, text: (r) => fmtTime(r.created) },
      { key: 'duration', title: 'Duration', get: (r) => r.duration ?? (r.active ? Date.now() / 1000 - r.created : null),
        text: (r) => fmtDuration(r.duration ?? (r.active ? Date.now() / 1000 - r.created : null)) }, // so far, while active
    ];
    for (const key of state.shownParams || []) {
      cols.push({ key: `param:${key}`, title: key, get: (r) => r.params[key] });
    }
    for (const key of state.shownMetrics || []) {
      for (const stat of ['last', 'min', 'max']) {
        cols.push({ key: `metric:${key}:${stat}`, title: `${key} (${stat})`, group: key, stat,
          get: (r) => ((state.metrics[r.hash] || {})[key] || {})[stat] });
      }
    }
    return cols;
  }

  function renderColumnsChooser() {
    columns.replaceChildren(el('summary', { text: 'Columns' }));
    const group = (title, keys, shown, set) => el('div', {}, el('b', { text: `${title}: ` }), keys.map((key) => {
      const box = el('input', { type: 'checkbox', checked: shown.includes(key) });
      box.addEventListener('change', () => {
        set(box.checked ? [...shown, key] : shown.filter((k) => k !== key));
        renderColumnsChooser();
        renderTable();
      });
      return el('label', { title: key }, box, key);
    }));
    columns.append(
      group('Params', state.params, state.shownParams, (v) => { state.shownParams = v; }),
      group('Metrics', state.metricKeys, state.shownMetrics, (v) => { state.shownMetrics = v; }));
  }

  function sorted(cols) {
    const col = cols.find((c) => c.key === state.sort.key) || cols[0];
    const sign = state.sort.desc ? -1 : 1;
    return [...state.runs].sort((a, b) => {
      const x = col.get(a), y = col.get(b);
      if (x === y) return 0;
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sign;
    });
  }

  function renderTable() {
    const cols = columnList();
    const all = el('input', { type: 'checkbox', title: 'select all shown' });
    // two header rows: a metric's name over its last / min / max columns, every other column
    // spanning both; each header's full text shows on hover
    const sortable = (col, attrs) => el('th', {
      ...attrs, title: col.title, 'data-key': col.key,
      class: [attrs.class, state.sort.key === col.key ? (state.sort.desc ? 'sorted-desc' : 'sorted-asc') : ''].filter(Boolean).join(' '),
      onclick: () => {
        state.sort = { key: col.key, desc: state.sort.key === col.key ? !state.sort.desc : false };
        renderTable();
      },
    });
    const top = el('tr', {}, el('th', { rowSpan: 2, class: 'sticky-0' }, all));
    const stats = el('tr', { class: 'stats' });
    cols.forEach((col, i) => {
      if (!col.group) { top.append(sortable(col, { text: col.title, rowSpan: 2, class: i === 0 ? 'sticky-1' : '' })); return; }
      if (col.stat === 'last') top.append(el('th', { class: 'metric-group', colSpan: 3, text: col.group, title: col.group }));
      stats.append(sortable(col, { text: col.stat }));
    });
    const head = [top, stats];
    const rows = sorted(cols).slice(0, state.limit);
    const body = el('tbody');
    for (const run of rows) {
      const select = el('input', { type: 'checkbox', class: 'select', checked: state.selected.has(run.hash) });
      select.addEventListener('change', () => { if (select.checked) state.selected.add(run.hash); else state.selected.delete(run.hash); });
      body.append(el('tr', { 'data-hash': run.hash }, el('td', { class: 'sticky-0' }, select), cols.map((col, i) => {
        if (col.cell) return el('td', { class: i === 0 ? 'sticky-1' : '', title: col.get(run) }, col.cell(run));
        const value = col.get(run);
        const text = col.text ? col.text(run) : fmtValue(value);
        return el('td', { text, title: typeof value === 'number' ? String(value) : text });
      })));
    }
    all.addEventListener('change', () => {
      for (const run of rows) if (all.checked) state.selected.add(run.hash); else state.selected.delete(run.hash);
      renderTable();
    });
    table.replaceChildren(el('thead', {}, head), body);
    more.style.display = state.runs.length > state.limit ? '' : 'none';
  }
};
