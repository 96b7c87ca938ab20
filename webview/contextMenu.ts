/** A small context menu (keyboard: arrows, Enter, Escape), for rows that stand for objects. */
import { h } from './dom';

export interface MenuItem {
  label: string;
  run(): void;
}

let open: HTMLElement | undefined;

export function showMenu(items: MenuItem[], at: { x: number; y: number }): void {
  closeMenu();
  const previous = document.activeElement as HTMLElement | null;
  const menu = h('div', { class: 'context-menu', role: 'menu' });
  const buttons = items.map((item) => {
    const b = h('button', { class: 'context-item', role: 'menuitem' }, item.label);
    b.addEventListener('click', () => {
      closeMenu();
      previous?.focus();
      item.run();
    });
    menu.append(b);
    return b;
  });
  menu.addEventListener('keydown', (e) => {
    const k = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowDown') buttons[(k + 1) % buttons.length].focus();
    else if (e.key === 'ArrowUp') buttons[(k - 1 + buttons.length) % buttons.length].focus();
    else if (e.key === 'Escape') {
      closeMenu();
      previous?.focus();
    } else return;
    e.preventDefault();
  });
  menu.style.left = `${Math.min(at.x, window.innerWidth - 220)}px`;
  menu.style.top = `${Math.min(at.y, window.innerHeight - 40 * items.length)}px`;
  document.body.append(menu);
  open = menu;
  buttons[0]?.focus();
  setTimeout(() => document.addEventListener('mousedown', outside), 0);
}

function outside(e: MouseEvent): void {
  if (open && !open.contains(e.target as Node)) closeMenu();
}

export function closeMenu(): void {
  open?.remove();
  open = undefined;
  document.removeEventListener('mousedown', outside);
}
