// Notes on runs and experiments: Markdown kept in the repository, edited here and shown rendered.
// The renderer builds DOM nodes with text in text nodes (never HTML), so nothing a note holds can
// run: <script> in a note is shown as the text it is; links go only to http(s) or this UI.
'use strict';

// Inline Markdown: `code`, **bold**, *italic* / _italic_, [text](address).
function markdownInline(text) {
  const out = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*|_([^_]+)_|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const [, code, bold, em1, em2, label, href] = match;
    if (code !== undefined) out.push(el('code', { text: code }));
    else if (bold !== undefined) out.push(el('strong', {}, markdownInline(bold)));
    else if (em1 !== undefined || em2 !== undefined) out.push(el('em', {}, markdownInline(em1 ?? em2)));
    else out.push(safeLink(label, href));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function safeLink(label, href) {
  let url;
  try {
    url = new URL(href, document.baseURI);
  } catch (err) {
    return `[${label}](${href})`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `[${label}](${href})`; // no javascript:
  return el('a', { href: url.href, text: label, rel: 'noopener noreferrer', target: url.origin === location.origin ? '' : '_blank' });
}

// Block Markdown: # headings, ``` code blocks, - / * / 1. lists, > quotes, --- rules, paragraphs.
function renderMarkdown(source) {
  const lines = String(source).replace(/\r\n?/g, '\n').split('\n');
  const root = el('div', { class: 'markdown' });
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    if (line.startsWith('```')) {
      const code = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      i++;
      root.append(el('pre', {}, el('code', { text: code.join('\n') })));
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) { root.append(el(`h${heading[1].length}`, {}, markdownInline(heading[2]))); i++; continue; }
    if (/^(-{3,}|\*{3,})\s*$/.test(line)) { root.append(el('hr')); i++; continue; }
    const item = /^\s*([-*+]|\d+[.)])\s+(.*)$/;
    if (item.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const list = el(ordered ? 'ol' : 'ul');
      for (; i < lines.length && item.test(lines[i]); i++) list.append(el('li', {}, markdownInline(lines[i].match(item)[2])));
      root.append(list);
      continue;
    }
    if (line.startsWith('>')) {
      const quote = [];
      for (; i < lines.length && lines[i].startsWith('>'); i++) quote.push(lines[i].replace(/^>\s?/, ''));
      root.append(el('blockquote', {}, [...renderMarkdown(quote.join('\n')).childNodes]));
      continue;
    }
    const paragraph = [];
    for (; i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|>|\s*([-*+]|\d+[.)])\s)/.test(lines[i]); i++) paragraph.push(lines[i]);
    if (!paragraph.length) { paragraph.push(line); i++; }
    root.append(el('p', {}, markdownInline(paragraph.join(' '))));
  }
  return root;
}

// A note's view and editor over api (GET {notes, max_bytes}, PUT {notes}).
async function notesEditor(box, path) {
  const error = el('div', { class: 'error notes-error' });
  const saved = el('div', { class: 'ok notes-saved' });
  const view = el('div', { class: 'notes-view' });
  const editor = el('textarea', { class: 'note-editor', id: 'note-editor', placeholder: 'Markdown: # heading, **bold**, - list, [link](https://...)' });
  const size = el('span', { class: 'note note-size' });
  let reply = await api(path);
  const show = () => {
    view.replaceChildren(reply.notes ? renderMarkdown(reply.notes) : el('p', { class: 'note', text: 'No notes yet.' }));
    editor.value = reply.notes;
  };
  const measure = () => {
    const bytes = new TextEncoder().encode(editor.value).length;
    size.textContent = `${bytes} of ${reply.max_bytes} bytes`;
  };
  editor.addEventListener('input', measure);
  const save = el('button', { id: 'save-notes', text: 'Save notes', onclick: async () => {
    showError(error, null);
    saved.textContent = '';
    try {
      reply = await api(path, null, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ notes: editor.value }) });
      show();
      saved.textContent = 'Saved.';
    } catch (err) {
      showError(error, err);
    }
  } });
  box.append(view, el('h3', { text: 'Edit' }), editor, el('div', { class: 'controls' }, save, size), error, saved);
  show();
  measure();
}

RUN_TAB_VIEWS.notes = async (box, run, ctx) => {
  await notesEditor(box, `${ctx.base}/notes`);
  ctx.rendered();
};
