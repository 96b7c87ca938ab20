/**
 * Building DOM nodes. Text is always set as textContent, never parsed as HTML: every string
 * that comes from a dump (names, paths, wait reasons) is untrusted.
 */
type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, props?: Props, ...children: Child[]): HTMLElement;
export function h(tag: string, props: Props = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, ...children);
  return el;
}

export function setProps(el: Element, props: Props): void {
  for (const [k, v] of Object.entries(props)) {
    // ARIA states are the strings "true" and "false" (aria-checked=false is a state, not an absence).
    if (k.startsWith('aria-') && typeof v === 'boolean') {
      el.setAttribute(k, String(v));
      continue;
    }
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (k === 'class') el.className = String(v);
    else if (k === 'style') setStyle(el as HTMLElement, String(v));
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/**
 * Inline styles through the CSSOM: the page's Content-Security-Policy (no 'unsafe-inline')
 * blocks style attributes, but not property writes from script.
 */
function setStyle(el: HTMLElement | SVGElement, css: string): void {
  for (const decl of css.split(';')) {
    const k = decl.indexOf(':');
    if (k > 0) el.style.setProperty(decl.slice(0, k).trim(), decl.slice(k + 1).trim());
  }
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** An SVG element (charts). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/** A clickable, keyboard-reachable link-like element. */
export function link(text: string, title: string, onActivate: () => void): HTMLElement {
  const a = h('span', { class: 'link', role: 'link', tabindex: 0, title }, text);
  a.addEventListener('click', (e) => {
    e.stopPropagation();
    onActivate();
  });
  a.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      e.stopPropagation();
      onActivate();
    }
  });
  return a;
}
