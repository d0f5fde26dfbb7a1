// The renderer's entry: connects to main (preload or web transport), draws the navigation and switches
// screens (Backends, Corpus, Train, Label, Models).
import { h, mount } from './dom.js';
import { showBackends } from './screens/backends.js';
import { showCorpus } from './screens/corpus.js';
import { showLabel } from './screens/label.js';
import { showModels } from './screens/models.js';
import { showTrain } from './screens/train.js';
import { connect } from './transport.js';

const SCREENS = ['Backends', 'Corpus', 'Train', 'Label', 'Models'] as const;
type Screen = (typeof SCREENS)[number];

function start(): void {
  const screen = document.getElementById('screen') as HTMLElement;
  const nav = document.getElementById('nav') as HTMLElement;
  const log = document.getElementById('log') as HTMLElement;
  let api: ReturnType<typeof connect>;
  try {
    api = connect();
  } catch (error) {
    mount(screen, h('p', { class: 'error' }, (error as Error).message));
    return;
  }
  (document.getElementById('mode') as HTMLElement).textContent =
    api.mode === 'web' ? 'web mode (127.0.0.1)' : 'desktop';
  api.api.onEvent((event) => {
    if (event.type !== 'log') return;
    log.prepend(h('li', { class: event.level }, `${event.level}: ${event.message}`));
  });
  let stop: () => void = () => undefined;
  const show = (name: Screen) => {
    stop();
    stop = () => undefined;
    for (const b of nav.querySelectorAll('button'))
      b.toggleAttribute('aria-current', b.dataset.screen === name);
    nav.querySelector(`[data-screen="${name}"]`)?.setAttribute('aria-current', 'page');
    if (name === 'Backends')
      showBackends(screen, api.api).catch((error: Error) =>
        mount(screen, h('p', { class: 'error' }, error.message)),
      );
    else if (name === 'Corpus') stop = showCorpus(screen, api.api, api.mode);
    else if (name === 'Train') stop = showTrain(screen, api.api);
    else if (name === 'Label') stop = showLabel(screen, api.api, api.mode);
    else showModels(screen, api.api, api.mode);
  };
  for (const name of SCREENS) {
    const button = h('button', { type: 'button', 'data-screen': name }, name);
    button.addEventListener('click', () => show(name));
    nav.append(button);
  }
  show('Backends');
}

start();
