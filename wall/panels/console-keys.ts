// The console's keys (dispatchers work from the keyboard): N new incident, ↑/↓ through the queue, D sends the top
// recommended unit, S opens the allowed statuses, M mutes the queue's chime, Esc closes what is open (or leaves the
// field being typed in), Ctrl+Enter saves the new-incident form. Letters and arrows never act while the operator types
// in a field, nor with Ctrl/Alt/Meta held (the browser's own shortcuts), nor as a held key repeats (one D, one unit).
import { onLangChange, t } from '../i18n/index.ts';
import type { Dict } from '../i18n/id.ts';
import { clear, h } from '../ui/dom.ts';
import type { DeskPanel } from './desk.ts';
import type { QueuePanel } from './queue.ts';

export interface ConsoleKeyTargets {
  queue: QueuePanel;
  desk: DeskPanel;
  form: HTMLFormElement;
  /** N: put the cursor in the new-incident form. */
  newIncident(): void;
}

/** Keys, each its own <kbd> ('+' is text between two), and what they do. */
const SHORTCUTS: Array<[keys: string[], label: keyof Dict]> = [
  [['N'], 'keys.new'],
  [['↑', '↓'], 'keys.queue'],
  [['D'], 'keys.dispatch'],
  [['S'], 'keys.status'],
  [['M'], 'keys.mute'],
  [['Esc'], 'keys.cancel'],
  [['Ctrl', '+', 'Enter'], 'keys.submit'],
];

export function isTyping(el: EventTarget | null): boolean {
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLElement && el.isContentEditable);
}

export function bindConsoleKeys(k: ConsoleKeyTargets): void {
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing) return; // a menu took it, or an IME is composing
    const target = e.target;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && target instanceof Node && k.form.contains(target)) {
      e.preventDefault();
      return k.form.requestSubmit();
    }
    if (e.key === 'Escape') {
      if (k.desk.cancel()) return e.preventDefault();
      if (isTyping(target)) {
        (target as HTMLElement).blur();
        e.preventDefault();
      }
      return;
    }
    if (e.ctrlKey || e.altKey || e.metaKey || isTyping(target)) return;
    const arrow = e.key === 'ArrowDown' || e.key === 'ArrowUp';
    if (e.repeat && !arrow) return;
    switch (e.key.toLowerCase()) {
      case 'n':
        k.newIncident();
        break;
      case 'arrowdown':
        k.queue.move(1);
        break;
      case 'arrowup':
        k.queue.move(-1);
        break;
      case 'd':
        void k.desk.dispatchTop();
        break;
      case 's':
        k.desk.openStatuses();
        break;
      case 'm':
        k.queue.toggleMute();
        break;
      default:
        return;
    }
    e.preventDefault(); // N must not also type an "n" into the field it focuses; arrows must not scroll the panel
  });
}

/** The keys, always on screen at the top of the console. */
export function mountShortcuts(): HTMLElement {
  const el = h('p.shortcuts');
  const paint = () => {
    clear(el);
    for (const [keys, label] of SHORTCUTS) {
      el.append(h('span.shortcut', null, ...keys.map((key) => (key === '+' ? key : h('kbd', null, key))), ` ${t(label)}`));
    }
  };
  onLangChange(paint);
  paint();
  return el;
}
