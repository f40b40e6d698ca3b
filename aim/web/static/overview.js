// Home (counts, recent runs, an activity calendar), Experiments, one experiment's page, Tags, and
// the Audios explorer.
'use strict';

function runsList(runs) {
  return el('table', { class: 'runs' },
    el('thead', {}, el('tr', {}, ['Name', 'Experiment', 'Status', 'Created', 'Duration'].map((h) => el('th', { text: h })))),
    el('tbody', {}, runs.map((r) => el('tr', { 'data-hash': r.hash },
      el('td', {}, runLink(r)), el('td', { text: r.experiment }), el('td', { text: runStatus(r) }),
      el('td', { text: fmtTime(r.created) }), el('td', { text: fmtDuration(r.duration) })))));
}

function experimentLink(name) {
  return el('a', { href: `experiments/${encodeURIComponent(name)}`, text: name || '(none)', title: name });
}

// Runs a day over the last year, a square a day, a column a week (as people know from code hosts).
function activityCalendar(calendar) {
  const first = new Date(`${calendar.first}T00:00:00Z`);
  const last = new Date(`${calendar.last}T00:00:00Z`);
  const most = Math.max(1, ...Object.values(calendar.days));
  const cells = [];
  for (let i = 0; i < first.getUTCDay(); i++) cells.push(el('span', { style: 'visibility:hidden' }));
  for (let day = new Date(first); day <= last; day.setUTCDate(day.getUTCDate() + 1)) {
    const key = day.toISOString().slice(0, 10);
    const n = calendar.days[key] || 0;
    const level = n === 0 ? '' : `l${Math.min(3, Math.ceil((3 * n) / most))}`;
    cells.push(el('span', { class: level, title: `${key}: ${n} run(s)`, 'data-day': key, 'data-runs': n }));
  }
  return el('div', { class: 'calendar' }, cells);
}

PAGES.home = async (main) => {
  const error = el('div', { class: 'error' });
  main.append(el('h1', { text: 'Home' }), error);
  try {
    const home = await api('api/home');
    const card = (n, label, href) => el('a', { class: 'card', href, style: 'color:inherit;text-decoration:none' }, el('b', { text: String(n) }), label);
    main.append(el('div', { class: 'stats-cards' },
      card(home.runs, 'runs', 'runs'), card(home.experiments, 'experiments', 'experiments'),
      card(home.active, 'active runs', `runs?q=${encodeURIComponent('run.active == True')}`), card(home.archived, 'archived', 'runs')),
    el('h2', { text: 'Activity' }), activityCalendar(home.calendar),
    el('h2', { text: 'Recent runs' }), home.recent.length ? runsList(home.recent) : el('p', { class: 'note' }, 'No runs yet: track one with aim.Run().'));
    markRendered('home');
  } catch (err) {
    showError(error, err);
  }
};

PAGES.experiments = async (main) => {
  const error = el('div', { class: 'error' });
  main.append(el('h1', { text: 'Experiments' }), error);
  try {
    const reply = await api('api/experiments');
    main.append(el('table', { class: 'runs experiments' },
      el('thead', {}, el('tr', {}, ['Experiment', 'Runs', 'Active', 'Archived', 'Last run'].map((h) => el('th', { text: h })))),
      el('tbody', {}, reply.experiments.map((e) => el('tr', { 'data-name': e.name },
        el('td', {}, experimentLink(e.name)), el('td', { text: e.runs }), el('td', { text: e.active }),
        el('td', { text: e.archived }), el('td', { text: fmtTime(e.last) }))))));
    markRendered('experiments');
  } catch (err) {
    showError(error, err);
  }
};

PAGES.experiment = async (main) => {
  const name = pagePath()[1];
  const error = el('div', { class: 'error' });
  const title = el('h1', { text: name || '(no experiment)' });
  main.append(title, error);
  setTitle(name, 'Experiment');
  let reply;
  try {
    reply = await api(`api/experiments/${encodeURIComponent(name)}`);
  } catch (err) {
    showError(error, err);
    return;
  }
  const rename = el('input', { type: 'text', id: 'experiment-name', value: name });
  const act = async (call, after) => {
    showError(error, null);
    try {
      const result = await call();
      after(result);
    } catch (err) {
      showError(error, err);
    }
  };
  const base = `api/experiments/${encodeURIComponent(name)}`;
  const notes = el('div', { class: 'experiment-notes' });
  main.append(
    el('div', { class: 'controls actions' },
      el('form', { class: 'controls', onsubmit: (event) => {
        event.preventDefault();
        if (!rename.value.trim()) { error.textContent = 'An experiment needs a name: it cannot be empty.'; return; }
        act(() => post(base, { name: rename.value }), (r) => location.assign(`experiments/${encodeURIComponent(r.name)}`));
      } }, rename, el('button', { type: 'submit', id: 'rename-experiment', text: 'Rename' })),
      el('button', { id: 'archive-experiment', text: 'Archive its runs', onclick: () => act(() => post(base, { archived: true }), () => location.reload()) }),
      el('button', { id: 'delete-experiment', class: 'danger', text: 'Delete', onclick: () => {
        const active = reply.active ? ` ${reply.active} of its runs are still being tracked into: the delete will be refused.` : '';
        if (!confirm(`Delete experiment ${name} and its ${reply.runs.length} run(s)?${active}`)) return;
        act(() => post(base, {}, 'DELETE'), () => location.assign('experiments'));
      } })),
    el('h2', { text: `Runs (${reply.runs.length})` }), runsList(reply.runs),
    el('h2', { text: 'Notes' }), notes);
  if (typeof notesEditor === 'function') await notesEditor(notes, `${base}/notes`);
  markRendered('experiment');
};

PAGES.tags = async (main) => {
  const error = el('div', { class: 'error' });
  const list = el('div', { class: 'tags-list' });
  main.append(el('h1', { text: 'Tags' }), error, list);
  const act = async (call) => { // a change (none at first), then the table drawn once
    showError(error, null);
    try {
      if (call) await call();
      await draw();
    } catch (err) {
      showError(error, err);
    }
  };
  async function draw() {
    const reply = await api('api/tags');
    const name = el('input', { type: 'text', id: 'new-tag', placeholder: 'tag' });
    const colour = el('input', { type: 'color', id: 'new-tag-colour', value: AIM_PALETTE[reply.tags.length % AIM_PALETTE.length] });
    const description = el('input', { type: 'text', id: 'new-tag-description', placeholder: 'description' });
    list.replaceChildren(
      el('form', { class: 'controls actions', onsubmit: (event) => {
        event.preventDefault();
        if (!name.value.trim()) { error.textContent = 'A tag needs a name.'; return; }
        act(() => post(`api/tags/${encodeURIComponent(name.value.trim())}/info`, { colour: colour.value, description: description.value }));
      } }, name, colour, description, el('button', { type: 'submit', id: 'create-tag', text: 'Create tag' })),
      el('table', { class: 'runs tags' },
        el('thead', {}, el('tr', {}, ['Tag', 'Description', 'Runs', ''].map((h) => el('th', { text: h })))),
        el('tbody', {}, reply.tags.map((t) => {
          const rename = el('input', { type: 'text', class: 'rename-tag', value: t.name, size: 14 });
          return el('tr', { 'data-tag': t.name },
            el('td', {}, el('span', { class: 'swatch', style: `background:${/^#[0-9a-fA-F]{6}$/.test(t.colour || '') ? t.colour : '#999'}` }),
              el('a', { href: `runs?q=${encodeURIComponent(`${JSON.stringify(t.name)} in run.tags`)}`, text: t.name })),
            el('td', { text: t.description || '' }), el('td', { class: 'count', text: t.runs }),
            el('td', { class: 'actions' }, rename,
              el('button', { text: 'Rename', class: 'rename', onclick: () => act(() => post(`api/tags/${encodeURIComponent(t.name)}`, { name: rename.value })) }),
              el('button', { text: 'Delete', class: 'delete danger', onclick: () => {
                if (confirm(`Remove the tag ${t.name} from its ${t.runs} run(s)?`)) act(() => post(`api/tags/${encodeURIComponent(t.name)}`, {}, 'DELETE'));
              } })));
        }))));
    markRendered('tags');
  }
  await act();
};

PAGES.audios = objectsPage('audios', 'Audios', 'AimQL over audios, e.g. audios.name == "tones"', OBJECT_VIEWS.audios);
