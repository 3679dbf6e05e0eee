// Small DOM helpers shared by every page's scripts (the sorting page, the studio). Plain ES module, no build.

/**
 * `el(tag, props, children)`: build an element in one call instead of createElement + className + ... lines.
 *
 *   el("button", { class: "column-nav", text: "›", type: "button", attrs: { "aria-label": label } })
 *
 * props: `class` (className), `text` (textContent), `attrs` (setAttribute each), `data` (dataset), `style`
 * (CSS properties, e.g. custom properties), `on` ({event: handler}); any other key is set as a property
 * (type, title, hidden, id, tabIndex, disabled). null and undefined values are skipped. children: a node, a
 * string, or a list of them.
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "attrs") for (const [name, v] of Object.entries(value)) node.setAttribute(name, String(v));
    else if (key === "data") for (const [name, v] of Object.entries(value)) node.dataset[name] = String(v);
    else if (key === "style") for (const [name, v] of Object.entries(value)) node.style.setProperty(name, String(v));
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node[key] = value;
  }
  node.append(...[children].flat());
  return node;
}
