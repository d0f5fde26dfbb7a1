// The Label screen: a model (colour baseline, a trained run or an imported ONNX pair), a folder, labels
// typed or read from a file, a threshold; the run's progress; results as a thumbnail grid grouped by label
// with scores, where a label can be corrected by hand (written back to the run's output); export as CSV or
// JSONL; copy or move the images into one folder per label after a confirmation dialog.
import type { PreloadApi } from '../../preload/index.js';
import type { AppEvent, LabelRowView, LabelRun, ModelInfo } from '../../shared/contract.js';
import { h, mount } from '../dom.js';
import { formatDuration } from './train.js';

/**
 * Labels typed as "a, b" or one a line: trimmed, blanks and repeats dropped.
 *
 * @example
 * ```ts
 * splitLabels('cat, dog\ncat'); // ['cat', 'dog']
 * ```
 */
export function splitLabels(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[,\n]/)) {
    const label = part.trim();
    if (label !== '' && !out.includes(label)) out.push(label);
  }
  return out;
}

const fileName = (path: string) => path.split('/').pop() ?? path;

/** Thumbnails shown per label (the highest scores); the rest are counted, and all are in the exports. */
const GRID_LIMIT = 120;

/** Asks in an in-page modal dialog; resolves true only on the confirm button. */
function confirmDialog(question: string, confirmLabel: string): Promise<boolean> {
  return new Promise((done) => {
    const yes = h('button', { class: 'primary', type: 'button', id: 'confirm-yes' }, confirmLabel);
    const no = h('button', { type: 'button', id: 'confirm-no' }, 'Cancel');
    const dialog = h(
      'dialog',
      { id: 'confirm-dialog' },
      h('p', {}, question),
      h('p', { class: 'row' }, no, yes),
    );
    const close = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      done(answer);
    };
    yes.addEventListener('click', () => close(true));
    no.addEventListener('click', () => close(false));
    dialog.addEventListener('cancel', () => close(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Shows the screen; returns a function that stops listening to events. */
export function showLabel(root: HTMLElement, api: PreloadApi, mode: 'electron' | 'web'): () => void {
  const model = h('select', { id: 'label-model' });
  const folder = h('input', { type: 'text', id: 'label-folder', placeholder: '/absolute/path/to/images' });
  const labels = h('textarea', {
    id: 'label-labels',
    rows: '2',
    placeholder: 'cat, dog, bird (or one a line)',
  });
  const labelsFile = h('input', {
    type: 'text',
    id: 'label-labels-file',
    placeholder: 'or a labels file: one label a line',
  });
  const threshold = h('input', {
    type: 'number',
    id: 'label-threshold',
    min: '0',
    max: '1',
    step: '0.05',
    value: '0',
  });
  const start = h('button', { class: 'primary', id: 'label-start', type: 'submit' }, 'Label');
  const cancel = h('button', { type: 'button', id: 'label-cancel', disabled: true }, 'Cancel');
  const status = h('p', { id: 'label-status', class: 'note' });
  const progress = h('div', { id: 'label-progress' });
  const results = h('div', { id: 'label-results' });
  const exportFormat = h(
    'select',
    { id: 'label-export-format' },
    h('option', { value: 'csv' }, 'CSV'),
    h('option', { value: 'jsonl' }, 'JSONL'),
  );
  const exportPath = h('input', { type: 'text', id: 'label-export-path' });
  const exportButton = h('button', { type: 'button', id: 'label-export' }, 'Export');
  const organiseMode = h(
    'select',
    { id: 'label-organise-mode' },
    h('option', { value: 'copy' }, 'copy'),
    h('option', { value: 'move' }, 'move'),
  );
  const organiseDest = h('input', {
    type: 'text',
    id: 'label-organise-dest',
    placeholder: '/absolute/destination',
  });
  const organiseButton = h('button', { type: 'button', id: 'label-organise' }, 'Copy / move into folders...');
  const actions = h(
    'section',
    { class: 'card', id: 'label-actions', hidden: true },
    h(
      'p',
      { class: 'row' },
      h('label', { for: 'label-export-format' }, 'Export'),
      exportFormat,
      h('label', { for: 'label-export-path' }, 'to'),
      exportPath,
      exportButton,
    ),
    h(
      'p',
      { class: 'row' },
      organiseMode,
      h('label', { for: 'label-organise-dest' }, 'into'),
      organiseDest,
      organiseButton,
    ),
  );
  let run: LabelRun | null = null;
  let rows: LabelRowView[] = [];
  const thumbs = new Map<string, string>();

  const fail = (error: Error) => {
    status.textContent = error.message;
    status.className = 'error';
  };
  const say = (text: string) => {
    status.textContent = text;
    status.className = 'note';
  };

  const showProgress = (r: LabelRun) => {
    cancel.disabled = r.state !== 'running';
    start.disabled = r.state === 'running';
    mount(
      progress,
      h(
        'p',
        { class: 'row', 'data-label-run': r.id, 'data-state': r.state },
        h('strong', {}, `${r.model}: ${r.labels.length} labels`),
        h('span', { class: `state state-${r.state}` }, r.state),
        h('progress', { max: String(Math.max(1, r.total)), value: String(r.done) }),
        h('span', {}, `${r.done} / ${r.total}`),
        h('span', {}, `${r.imagesPerSecond?.toFixed(1) ?? '-'} images/s`),
        h('span', {}, `ETA ${formatDuration(r.etaSeconds)}`),
      ),
      r.error !== null && h('p', { class: 'error' }, r.error),
    );
  };

  const card = (row: LabelRowView, choices: string[]) => {
    const img = h('img', { class: 'thumb', alt: row.path, title: row.path });
    const cached = thumbs.get(row.file);
    if (cached !== undefined) img.src = cached;
    else
      api.thumbnail({ path: row.file, size: 64 }).then(
        (url) => {
          thumbs.set(row.file, url);
          img.src = url;
        },
        () => img.replaceWith(h('div', { class: 'nothumb' }, 'no preview')),
      );
    const select = h('select', { class: 'correct', 'aria-label': `label of ${row.path}` });
    for (const c of choices) {
      const option = h('option', { value: c }, c);
      option.selected = c === row.label;
      select.append(option);
    }
    select.addEventListener('change', () => {
      if (run === null) return;
      api.labelCorrect({ id: run.id, path: row.path, label: select.value }).then((next) => {
        rows = rows.map((r) => (r.path === next.path ? next : r));
        showResults();
        say(`${next.path}: now "${next.label}" (saved to the run's output)`);
      }, fail);
    });
    const top = row.labels.map((l, i) => `${l} ${(row.scores[i] ?? 0).toFixed(2)}`).join(' · ');
    return h(
      'figure',
      {
        class: row.corrected ? 'corrected' : '',
        'data-path': row.path,
        'data-label': row.label,
        'data-score': row.score === null ? '' : String(row.score),
      },
      img,
      h(
        'figcaption',
        {},
        h('span', { class: 'name' }, fileName(row.path)),
        h('span', { class: 'score' }, row.corrected ? 'corrected by hand' : (row.score?.toFixed(3) ?? '')),
        h('span', { class: 'note', title: top }, top),
        select,
      ),
    );
  };

  const showResults = () => {
    if (run === null) return;
    const choices = [...run.labels, 'unknown'];
    const ok = rows.filter((r) => r.status === 'ok');
    const skipped = rows.filter((r) => r.status === 'skipped');
    const groups = new Map<string, LabelRowView[]>();
    for (const r of ok) groups.set(r.label, [...(groups.get(r.label) ?? []), r]);
    const order = [...groups.keys()].sort(
      (a, b) => (groups.get(b)?.length ?? 0) - (groups.get(a)?.length ?? 0),
    );
    mount(
      results,
      h(
        'p',
        { class: 'note', id: 'label-summary' },
        `${ok.length} labelled, ${skipped.length} skipped, ${groups.get('unknown')?.length ?? 0} under the threshold`,
      ),
      ...order.map((label) => {
        const members = (groups.get(label) ?? []).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
        return h(
          'section',
          { class: 'card group', 'data-group': label, 'data-count': String(members.length) },
          h('h3', {}, `${label} `, h('span', { class: 'note' }, `(${members.length})`)),
          h('div', { class: 'label-grid' }, ...members.slice(0, GRID_LIMIT).map((r) => card(r, choices))),
          members.length > GRID_LIMIT &&
            h(
              'p',
              { class: 'note' },
              `${members.length - GRID_LIMIT} more with lower scores: in the export and the run's output`,
            ),
        );
      }),
      skipped.length > 0 &&
        h(
          'section',
          { class: 'card' },
          h('h3', {}, `skipped (${skipped.length})`),
          h(
            'ul',
            {},
            ...skipped.map((r) => h('li', {}, r.path, ' ', h('span', { class: 'reason' }, r.reason ?? ''))),
          ),
        ),
    );
    actions.hidden = false;
  };

  const loadResults = (id: string) =>
    api.labelResults({ id }).then((res) => {
      run = res.run;
      rows = res.rows;
      if (exportPath.value === '') exportPath.value = `${res.run.folder}/labels.csv`;
      showResults();
    }, fail);

  const off = api.onEvent((event: AppEvent) => {
    if (event.type !== 'label' || (run !== null && run.id !== event.run.id)) return;
    run = event.run;
    showProgress(event.run);
    if (event.run.state === 'done' || event.run.state === 'cancelled') void loadResults(event.run.id);
  });

  const form = h(
    'form',
    { class: 'card', id: 'label-form' },
    h(
      'p',
      { class: 'row' },
      h('label', { for: 'label-model' }, 'Model'),
      model,
      h('label', { for: 'label-folder' }, 'Folder'),
      folder,
    ),
    h('p', { class: 'row' }, h('label', { for: 'label-labels' }, 'Labels'), labels, labelsFile),
    h(
      'p',
      { class: 'row' },
      h('label', { for: 'label-threshold' }, 'Threshold'),
      threshold,
      h('span', { class: 'note' }, 'a top score under it gives "unknown"'),
      start,
      cancel,
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    say('Starting...');
    (async () => {
      const typed = folder.value.trim();
      const grant = await api.foldersChoose(typed === '' ? {} : { path: typed });
      if (grant === null) return say('No folder chosen.');
      folder.value = grant.path;
      const file = labelsFile.value.trim();
      const list = splitLabels(labels.value);
      run = null;
      rows = [];
      mount(results);
      actions.hidden = true;
      exportPath.value = '';
      const started = await api.labelStart({
        model: model.value,
        folder: grant.path,
        ...(file !== '' ? { labelsFile: file } : { labels: list }),
        threshold: Number(threshold.value),
      });
      if (run === null || (run as LabelRun).id !== started.id) run = started;
      showProgress(run as LabelRun);
      say(`Labelling in a worker thread: ${started.id}`);
    })().catch(fail);
  });
  cancel.addEventListener('click', () => {
    if (run !== null) api.labelCancel({ id: run.id }).catch(fail);
  });
  exportButton.addEventListener('click', () => {
    if (run === null) return;
    const format = exportFormat.value as 'csv' | 'jsonl';
    let path = exportPath.value.trim();
    if (format === 'jsonl') path = path.replace(/\.csv$/i, '.jsonl');
    if (format === 'csv') path = path.replace(/\.jsonl$/i, '.csv');
    exportPath.value = path;
    api.labelExport({ id: run.id, format, path }).then((r) => {
      status.dataset.exported = r.path;
      say(`Exported ${r.rows} rows to ${r.path}`);
    }, fail);
  });
  organiseButton.addEventListener('click', () => {
    if (run === null) return;
    const current = run;
    const how = organiseMode.value as 'copy' | 'move';
    const count = rows.filter((r) => r.status === 'ok').length;
    (async () => {
      const typed = organiseDest.value.trim();
      const grant = await api.foldersChoose(typed === '' ? {} : { path: typed });
      if (grant === null) return say('No destination chosen.');
      const verb = how === 'copy' ? 'Copy' : 'Move';
      const question =
        `${verb} ${count} images from ${current.folder} into ${grant.path}/<label>/?` +
        (how === 'move' ? ' They leave the labelled folder.' : '');
      if (!(await confirmDialog(question, verb))) return say(`${verb} cancelled.`);
      const r = await api.labelOrganise({ id: current.id, mode: how, dest: grant.path, confirmed: true });
      const per = Object.entries(r.perLabel)
        .map(([l, n]) => `${l}: ${n}`)
        .join(', ');
      say(`${how === 'copy' ? 'Copied' : 'Moved'} ${r.files} images into ${r.dest} (${per})`);
      status.dataset.organised = String(r.files);
    })().catch(fail);
  });

  mount(
    root,
    h('h2', {}, 'Label'),
    h(
      'p',
      { class: 'note' },
      mode === 'web'
        ? 'Zero-shot labelling: type the absolute path of a folder; only folders you add can be read or written.'
        : 'Zero-shot labelling: pick a folder; only folders you pick can be read or written.',
    ),
    form,
    status,
    progress,
    actions,
    results,
  );
  // Coming back to the screen: the latest run, its progress and, once finished, its results.
  api.labelList({}).then((runs) => {
    const last = runs.at(-1);
    if (last === undefined || run !== null) return;
    run = last;
    showProgress(last);
    if (last.state === 'done' || last.state === 'cancelled') void loadResults(last.id);
  }, fail);
  api.modelsList({}).then((list: ModelInfo[]) => {
    mount(model, ...list.map((m) => h('option', { value: m.id, title: m.details }, `${m.name} [${m.kind}]`)));
    // Default to the newest trained model when there is one.
    const trained = list.filter((m) => m.kind === 'trained');
    if (trained.length > 0) model.value = (trained.at(-1) as ModelInfo).id;
  }, fail);
  return off;
}
