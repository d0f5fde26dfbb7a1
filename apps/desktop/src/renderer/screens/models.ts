// The Models screen: every model the Label screen can use (colour baseline, trained runs, imported ONNX
// pairs); export a trained model to ONNX (@vlp/tasks' exportTowers: image.onnx, text.onnx, sidecars,
// tokenizer.json) into a picked folder; import a CLIP-style ONNX tower pair with @vlp/tasks' JSON sidecars.
import type { PreloadApi } from '../../preload/index.js';
import type { ModelInfo } from '../../shared/contract.js';
import { h, mount } from '../dom.js';

const parentOf = (path: string) => path.replace(/[\\/][^\\/]*$/, '') || '/';

/** Shows the screen. */
export function showModels(root: HTMLElement, api: PreloadApi, mode: 'electron' | 'web'): void {
  const status = h('p', { id: 'models-status', class: 'note' });
  const table = h('tbody', { id: 'models-table' });
  const exportDest = h('input', {
    type: 'text',
    id: 'models-export-dest',
    placeholder: mode === 'web' ? '/absolute/folder/to/export/into' : 'optional: where the dialog opens',
  });
  const importName = h('input', { type: 'text', id: 'models-import-name', value: 'my-clip' });
  const importImage = h('input', {
    type: 'text',
    id: 'models-import-image',
    placeholder: '/path/image.onnx',
  });
  const importText = h('input', { type: 'text', id: 'models-import-text', placeholder: '/path/text.onnx' });
  const importTokenizer = h('input', {
    type: 'text',
    id: 'models-import-tokenizer',
    placeholder: 'optional: tokenizer.json or vocab.txt',
  });
  const importButton = h('button', { class: 'primary', type: 'submit', id: 'models-import' }, 'Import');
  const fail = (error: Error) => {
    status.textContent = error.message;
    status.className = 'error';
  };
  const say = (text: string) => {
    status.textContent = text;
    status.className = 'note';
  };

  const exportModel = (m: ModelInfo, button: HTMLButtonElement) => {
    (async () => {
      const typed = exportDest.value.trim();
      const grant = await api.foldersChoose(typed === '' ? {} : { path: typed });
      if (grant === null) return say('No folder chosen.');
      button.disabled = true;
      say(`Exporting ${m.name} to ONNX in a worker thread...`);
      const out = await api.modelsExport({ id: m.id, dest: grant.path });
      status.dataset.exported = out.files.join('\n');
      say(`Exported ${m.name}: ${out.files.join(', ')}`);
    })()
      .catch(fail)
      .finally(() => {
        button.disabled = false;
      });
  };

  const refresh = () =>
    api.modelsList({}).then((list) => {
      mount(
        table,
        ...list.map((m) => {
          const button = h('button', { type: 'button', 'data-export': m.id }, 'Export to ONNX');
          button.addEventListener('click', () => exportModel(m, button));
          return h(
            'tr',
            { 'data-model': m.id, 'data-kind': m.kind },
            h('td', {}, h('strong', {}, m.name)),
            h('td', {}, h('span', { class: `state kind-${m.kind}` }, m.kind)),
            h(
              'td',
              { class: 'note' },
              m.details,
              m.dir !== null && h('br', {}),
              m.dir !== null && h('code', {}, m.dir),
            ),
            h(
              'td',
              {},
              m.kind === 'trained'
                ? button
                : h('span', { class: 'note' }, m.kind === 'onnx' ? 'already ONNX' : 'nothing to export'),
            ),
          );
        }),
      );
    }, fail);

  const form = h(
    'form',
    { class: 'card', id: 'models-import-form' },
    h('h4', {}, 'Import a CLIP-style ONNX pair'),
    h(
      'p',
      { class: 'note' },
      'Each .onnx needs its sidecar beside it (image.onnx + image.json, text.onnx + text.json, as vlp export writes them).',
    ),
    h('p', { class: 'row' }, h('label', { for: 'models-import-name' }, 'Name'), importName),
    h('p', { class: 'row' }, h('label', { for: 'models-import-image' }, 'Image tower'), importImage),
    h('p', { class: 'row' }, h('label', { for: 'models-import-text' }, 'Text tower'), importText),
    h(
      'p',
      { class: 'row' },
      h('label', { for: 'models-import-tokenizer' }, 'Tokenizer'),
      importTokenizer,
      importButton,
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    (async () => {
      const image = importImage.value.trim();
      const text = importText.value.trim();
      const tokenizer = importTokenizer.value.trim();
      // Only files inside picked folders can be read: pick the folders that hold them first.
      for (const dir of new Set([image, text, tokenizer].filter((p) => p !== '').map(parentOf)))
        if ((await api.foldersChoose({ path: dir })) === null) return say('No folder chosen.');
      const out = await api.modelsImport({
        name: importName.value.trim(),
        image,
        text,
        ...(tokenizer === '' ? {} : { tokenizer }),
      });
      status.dataset.imported = out.model.id;
      say(`Imported ${out.model.name} into ${out.model.dir ?? ''}`);
      await refresh();
    })().catch(fail);
  });

  mount(
    root,
    h('h2', {}, 'Models'),
    h(
      'p',
      { class: 'note' },
      'Models the Label screen can use: trained runs (from the Train screen), imported ONNX pairs and the colour baseline.',
    ),
    h(
      'section',
      { class: 'card' },
      h('p', { class: 'row' }, h('label', { for: 'models-export-dest' }, 'Export into'), exportDest),
      h(
        'table',
        { class: 'models' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, 'model'), h('th', {}, 'kind'), h('th', {}, 'details'), h('th', {}, '')),
        ),
        table,
      ),
    ),
    status,
    form,
  );
  void refresh();
}
