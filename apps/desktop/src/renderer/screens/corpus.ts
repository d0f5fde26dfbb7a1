// The Corpus screen: pick a folder (a native dialog in Electron, a typed path in web mode), validate it as a
// corpus source with @vlp/pretrain's ingest, and show counts, skipped files with reasons and previews,
// and samples. A background job (thumbnailing the folder) shows progress events from the worker.
import type { PreloadApi } from '../../preload/index.js';
import type { AppEvent, CorpusReport, FolderGrant } from '../../shared/contract.js';
import { h, mount } from '../dom.js';

const KINDS = ['images', 'sidecar'] as const;

/** A source name the contract accepts, from a folder name. */
function sourceName(path: string): string {
  const base = path.split(/[\\/]/).filter(Boolean).pop() ?? 'source';
  return base.replace(/[^\w.-]/g, '-').slice(0, 64) || 'source';
}

function reportView(report: CorpusReport): HTMLElement {
  const c = report.counts;
  return h(
    'section',
    { class: 'card', id: `report-${report.name}`, 'data-testid': 'corpus-report' },
    h('h3', {}, `${report.name} (${report.kind})`),
    h('p', { class: 'note' }, report.path),
    h(
      'table',
      { class: 'counts' },
      h(
        'tr',
        {},
        ...['images', 'pairs', 'texts', 'captions', 'skipped', 'duplicates'].map((k) => h('th', {}, k)),
      ),
      h(
        'tr',
        {},
        ...[c.images, c.pairs, c.texts, c.captions, c.skipped, c.duplicates].map((n, i) =>
          h(
            'td',
            { 'data-count': ['images', 'pairs', 'texts', 'captions', 'skipped', 'duplicates'][i] },
            String(n),
          ),
        ),
      ),
    ),
    report.skipped.length > 0 && h('h4', {}, 'Skipped files'),
    report.skipped.length > 0 &&
      h(
        'table',
        { class: 'skipped' },
        ...report.skipped.map((s) =>
          h(
            'tr',
            { 'data-skipped': s.path },
            h(
              'td',
              {},
              s.thumbnail === null
                ? h('div', { class: 'nothumb' }, 'no preview')
                : h('img', { class: 'thumb', src: s.thumbnail, alt: '' }),
            ),
            h('td', {}, s.path.split(/[\\/]/).pop() ?? s.path),
            h('td', {}, h('span', { class: 'reason' }, s.reason)),
            h('td', { class: 'note' }, s.message),
          ),
        ),
      ),
    report.samples.length > 0 && h('h4', {}, 'Accepted (first few)'),
    h(
      'div',
      { class: 'samples' },
      ...report.samples.map((s) => h('img', { src: s.thumbnail, alt: s.path, title: s.path })),
    ),
  );
}

/** Shows the screen; returns a function that stops listening to events. */
export function showCorpus(root: HTMLElement, api: PreloadApi, mode: 'electron' | 'web'): () => void {
  const input = h('input', {
    type: 'text',
    id: 'folder-path',
    placeholder: mode === 'web' ? '/absolute/path/to/a/folder' : 'optional: where the dialog opens',
  });
  const kind = h('select', { id: 'corpus-kind' }, ...KINDS.map((k) => h('option', { value: k }, k)));
  const add = h('button', { class: 'primary', id: 'add-folder', type: 'submit' }, 'Add folder');
  const status = h('p', { id: 'corpus-status', class: 'note' });
  const folders = h('ul', { id: 'folders' });
  const reports = h('div', { id: 'reports' });
  const jobs = h('div', { id: 'jobs' });

  const showFolders = (list: FolderGrant[]) => {
    mount(folders, ...list.map((f) => jobRow(f)));
  };
  const jobRow = (f: FolderGrant) => {
    const start = h(
      'button',
      { type: 'button', 'data-thumbnail-job': f.path },
      'Make thumbnails (background job)',
    );
    start.addEventListener('click', () => {
      api.jobsStart({ kind: 'thumbnails', path: f.path }).then(
        (job) => {
          mount(
            jobs,
            h(
              'p',
              { class: 'row', 'data-job': job.id },
              h('progress', { max: '1', value: '0' }),
              h('span', { class: 'job-state' }, 'running'),
            ),
          );
        },
        (error: Error) => {
          status.textContent = error.message;
        },
      );
    });
    return h('li', {}, h('code', {}, f.path), ' ', start);
  };

  const form = h(
    'form',
    { class: 'row card' },
    h('label', { for: 'folder-path' }, 'Folder'),
    input,
    h('label', { for: 'corpus-kind' }, 'as'),
    kind,
    add,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    status.textContent = 'Validating...';
    status.className = 'note';
    const path = input.value.trim();
    (async () => {
      const grant = await api.foldersChoose(path === '' ? {} : { path });
      if (grant === null) {
        status.textContent = 'No folder chosen.';
        return;
      }
      showFolders(await api.foldersList({}));
      const report = await api.corpusAdd({
        name: sourceName(grant.path),
        kind: kind.value as (typeof KINDS)[number],
        path: grant.path,
      });
      document.getElementById(`report-${report.name}`)?.remove();
      reports.prepend(reportView(report));
      status.textContent = `Added ${report.name}.`;
    })().catch((error: Error) => {
      status.textContent = error.message;
      status.className = 'error';
    });
  });

  const off = api.onEvent((event: AppEvent) => {
    const row = 'jobId' in event ? jobs.querySelector(`[data-job="${event.jobId}"]`) : null;
    if (event.type === 'progress' && row !== null) {
      const bar = row.querySelector('progress');
      if (bar !== null) {
        bar.max = event.total;
        bar.value = event.done;
      }
      const state = row.querySelector('.job-state');
      if (state !== null) state.textContent = `${event.done} / ${event.total}: ${event.item}`;
    } else if (event.type === 'job') {
      const jobRowEl = jobs.querySelector(`[data-job="${event.job.id}"]`);
      const state = jobRowEl?.querySelector('.job-state');
      if (state && event.job.state !== 'running') {
        const j = event.job;
        state.textContent = `${j.state}: ${j.done - j.failed} thumbnails, ${j.failed} failed, in ${j.outDir}`;
        jobRowEl?.setAttribute('data-state', event.job.state);
      }
    }
  });

  mount(
    root,
    h('h2', {}, 'Corpus'),
    h(
      'p',
      { class: 'note' },
      mode === 'web'
        ? 'Type the absolute path of a folder of images. Only folders you add here can be read.'
        : 'Pick a folder. Only folders you pick can be read.',
      ' Add it as "sidecar" when each image has a caption beside it (cat.png + cat.txt): training needs those pairs.',
    ),
    form,
    status,
    h('h4', {}, 'Folders you picked'),
    folders,
    jobs,
    reports,
  );
  api.foldersList({}).then(showFolders, () => undefined);
  api.corpusList({}).then(
    (list) => reports.append(...list.map(reportView)),
    () => undefined,
  );
  return off;
}
