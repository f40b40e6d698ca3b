// Bookmarks: a name for the view on screen (its address: the page, its query and options), kept in
// the repository. A control in the nav bar saves the current view; the Bookmarks page lists them.
'use strict';

// The current view's address relative to the UI's base ("metrics?q=...&group=run").
function viewAddress() {
  const base = new URL(document.baseURI);
  return `${location.pathname.slice(base.pathname.length)}${location.search}${location.hash}`;
}

// An address kept in a bookmark, if it stays inside this UI (else nowhere: no javascript:, no other site).
function insideUi(address) {
  const url = appUrl(address);
  return url.origin === location.origin && (url.protocol === 'http:' || url.protocol === 'https:') ? url.href : '#';
}

NAV_TOOLS.push((tools) => {
  const name = el('input', { type: 'text', id: 'bookmark-name', placeholder: 'bookmark name', size: 16 });
  const message = el('span', { class: 'bookmark-message' });
  const form = el('form', { class: 'bookmark-form', style: 'display:none', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const saved = await post('api/bookmarks', { name: name.value, address: viewAddress() });
      message.replaceChildren('Bookmarked as ', el('a', { href: `bookmarks/${encodeURIComponent(saved.name)}`, text: saved.name,
        title: 'an address that opens this view by its name' }), '.');
      form.style.display = 'none';
    } catch (err) {
      message.textContent = errorText(err);
    }
  } }, name, el('button', { type: 'submit', id: 'save-bookmark', text: 'Save' }));
  const open = el('button', { id: 'bookmark-view', title: 'Keep this view under a name (Bookmarks)', text: '☆ Bookmark', onclick: () => {
    form.style.display = form.style.display === 'none' ? '' : 'none';
    name.value = name.value || document.title.replace(/ · Aim$/, '');
    name.focus();
  } });
  tools.append(open, form, message);
});

PAGES.bookmarks = async (main) => {
  const error = el('div', { class: 'error' });
  const list = el('div', { class: 'bookmarks' });
  main.append(el('h1', { text: 'Bookmarks' }), error, list);
  async function draw() {
    const reply = await api('api/bookmarks');
    list.replaceChildren(reply.bookmarks.length ? el('table', { class: 'runs bookmarks' },
      el('thead', {}, el('tr', {}, ['Name', 'Address', 'Saved', ''].map((h) => el('th', { text: h })))),
      el('tbody', {}, reply.bookmarks.map((b) => el('tr', { 'data-name': b.name },
        el('td', {}, el('a', { href: insideUi(b.address), text: b.name, title: b.name })),
        el('td', { text: b.address, title: b.address }), el('td', { text: fmtTime(b.created) }),
        el('td', { class: 'actions' }, el('button', { class: 'delete danger', text: 'Delete', onclick: async () => {
          if (!confirm(`Delete the bookmark ${b.name}?`)) return;
          try {
            await post(`api/bookmarks/${encodeURIComponent(b.name)}`, {}, 'DELETE');
            await draw();
          } catch (err) {
            showError(error, err);
          }
        } }))))))
      : el('p', { class: 'note', text: 'No bookmarks yet: open a view and press ☆ Bookmark in the bar above.' }));
    markRendered('bookmarks');
  }
  try {
    await draw();
  } catch (err) {
    showError(error, err);
  }
};

// bookmarks/<name>: opens the view the bookmark keeps, or says that no bookmark has that name.
PAGES.bookmark = async (main) => {
  const name = pagePath().slice(1).join('/');
  const error = el('div', { class: 'error' });
  main.append(el('h1', { text: 'Bookmark' }), error);
  try {
    const mark = (await api('api/bookmarks')).bookmarks.find((b) => b.name === name);
    if (mark) { location.replace(insideUi(mark.address)); return; }
    main.append(el('p', { class: 'not-found' }, `No bookmark is named "${name}": it may have been deleted or renamed. `,
      el('a', { href: 'bookmarks', text: 'All bookmarks' })));
    markRendered('bookmark');
  } catch (err) {
    showError(error, err);
  }
};
