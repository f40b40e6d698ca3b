// Live updates: a page watches the runs it shows (LIVE.watch) over Server-Sent Events from
// api/live, which `aim up` relays from the daemon. A switch in the nav bar pauses them (kept in
// this browser); the EventSource reconnects by itself after `aim up` restarts, and the relay
// after the daemon restarts.
'use strict';

const LIVE = {
  paused: localStorage.getItem('aimLivePaused') === '1',
  runs: null, // the hashes watched ([] = every run); null: the page watches nothing
  handlers: [],
  source: null,
  state: null, // the nav bar's text node

  // Call handler(change) for each change of these runs (every run when runs is empty); ended
  // (optional) with the daemon's notice when it ends the watch; reload (optional) when the page
  // fell behind and must read its data again.
  watch(runs, handler, ended, reload) {
    this.handlers.push({ handler, ended, reload });
    this.follow(runs);
  },

  // Watch these runs from now on (null: none), with the handlers already given.
  follow(runs) {
    const same = JSON.stringify(runs) === JSON.stringify(this.runs);
    this.runs = runs;
    if (!same || !this.source) this.connect();
  },

  // The state beside the switch (labelled "live" already: connected shows as a dot) and in
  // <body data-live>, where tests and styles read it.
  show(text) {
    if (this.state) {
      this.state.textContent = text === 'live' ? '●' : text;
      this.state.title = text === 'live' ? 'following the runs as they are tracked' : '';
    }
    document.body.dataset.live = text;
  },

  connect() {
    this.close();
    if (this.runs === null) { this.show(''); return; }
    if (this.paused) { this.show('paused'); return; }
    const url = appUrl('api/live');
    if (this.runs.length) url.searchParams.set('runs', this.runs.join(','));
    const source = new EventSource(url);
    this.source = source;
    this.show('connecting…');
    source.addEventListener('watching', () => this.show('live'));
    source.addEventListener('reconnecting', () => this.show('reconnecting…'));
    source.addEventListener('change', (event) => {
      const change = JSON.parse(event.data);
      window.aimLastChangeAt = performance.now();
      for (const { handler } of this.handlers) handler(change);
    });
    source.addEventListener('ended', (event) => {
      const reason = JSON.parse(event.data);
      this.close();
      if (reason.notice.startsWith('fell behind')) { // the page reloads its data and watches again
        this.show('fell behind, reloaded');
        for (const { reload } of this.handlers) if (reload) reload();
        setTimeout(() => this.connect(), 1000);
        return;
      }
      this.show('ended');
      for (const { ended } of this.handlers) if (ended) ended(reason);
    });
    source.addEventListener('error', () => { if (source.readyState !== EventSource.CLOSED) this.show('reconnecting…'); });
  },

  close() {
    if (this.source) this.source.close();
    this.source = null;
  },

  setPaused(paused) {
    this.paused = paused;
    localStorage.setItem('aimLivePaused', paused ? '1' : '0');
    if (paused) { this.close(); this.show('paused'); } else this.connect();
  },
};

NAV_TOOLS.push((tools) => {
  const box = el('input', { type: 'checkbox', id: 'live-switch', checked: !LIVE.paused });
  box.addEventListener('change', () => LIVE.setPaused(!box.checked));
  LIVE.state = el('span', { class: 'live-state', id: 'live-state' });
  tools.append(el('label', { title: 'Update the page as runs are tracked (uncheck to pause)' }, box, 'live'), LIVE.state);
});

// Calls fn at most once per interval (ms), the last call winning: redraws stay cheap however
// fast points come.
function throttled(fn, interval) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; fn(); }, interval);
  };
}

// A metric's label as the runs table names it: name and its context as Python's json.dumps
// writes it (sorted keys, ", " and ": ").
function metricLabel(name, context) {
  const keys = Object.keys(context || {}).sort();
  if (!keys.length) return name;
  return `${name} {${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(context[k])}`).join(', ')}}`;
}

// Appends the new points of a change to series (the charts' data) that belong to it; true when
// one grew. Points at steps already there are left out (a replayed batch is announced again).
function appendPoints(series, change) {
  let grew = false;
  for (const update of change.series) {
    if (update.dtype !== 'int' && update.dtype !== 'float') continue;
    const label = metricLabel(update.name, update.context);
    const target = series.find((s) => s.run.hash === change.run && metricLabel(s.name, s.context) === label);
    if (!target) continue;
    const last = target.steps.length ? target.steps[target.steps.length - 1] : -Infinity;
    update.steps.forEach((step, i) => {
      if (step <= last) return;
      target.steps.push(step);
      target.values.push(update.values[i]);
      target.epochs.push(update.epochs[i]);
      target.times.push(update.times[i]);
      target.count = (target.count || 0) + 1;
      grew = true;
    });
  }
  return grew;
}
