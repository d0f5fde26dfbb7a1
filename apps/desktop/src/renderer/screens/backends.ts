// The Backends screen: tensor-core's report as a table, the WebGPU adapter (or why there is none) and the
// backend jobs will use.

import type { PreloadApi } from '../../preload/index.js';
import { BACKEND_CHOICES } from '../../shared/constants.js';
import type { BackendsView } from '../../shared/contract.js';
import { h, mount } from '../dom.js';

function render(root: HTMLElement, api: PreloadApi, view: BackendsView): void {
  const select = h('select', { id: 'backend-choice' });
  for (const name of BACKEND_CHOICES) {
    const row = view.rows.find((r) => r.name === name);
    const option = h('option', { value: name, disabled: row !== undefined && !row.available }, name);
    option.selected = name === view.selected;
    select.append(option);
  }
  const message = h('span', { class: 'error' });
  select.addEventListener('change', () => {
    api
      .backendsSelect({ name: select.value as BackendsView['selected'] })
      .then((next) => render(root, api, next))
      .catch((error: Error) => {
        message.textContent = error.message;
      });
  });
  mount(
    root,
    h('h2', {}, 'Backends'),
    h(
      'p',
      { id: 'webgpu' },
      view.webgpu.adapter === null
        ? `No WebGPU: ${view.webgpu.reason ?? 'unknown reason'}`
        : `WebGPU adapter: ${view.webgpu.adapter}`,
    ),
    h(
      'table',
      { id: 'backend-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'backend'), h('th', {}, 'status'), h('th', {}, 'details'))),
      h(
        'tbody',
        {},
        ...view.rows.map((r) =>
          h(
            'tr',
            { class: r.available ? 'available' : 'missing', 'data-backend': r.name },
            h('td', {}, r.name),
            h('td', {}, r.status),
            h('td', {}, r.details),
          ),
        ),
      ),
    ),
    h(
      'p',
      { class: 'row' },
      h('label', { for: 'backend-choice' }, 'Jobs use:'),
      select,
      h('span', { id: 'backend-effective', class: 'note' }, `effective: ${view.effective ?? 'none'}`),
      message,
    ),
  );
}

/** Loads the report and shows it. */
export async function showBackends(root: HTMLElement, api: PreloadApi): Promise<void> {
  mount(root, h('h2', {}, 'Backends'), h('p', { class: 'note' }, 'Probing backends...'));
  render(root, api, await api.backendsReport({}));
}
