// Small DOM helpers shared by every page. No globals: import what you use.

/** The element with this id (pages keep their ids unique). */
export const byId = (id) => document.getElementById(id);

/**
 * A new element: el("button", {className: "danger", dataset: {testid: "remove"}, text: "移出",
 * onclick}). Children (nodes or strings) are appended; text is always set as text, never HTML.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else node[key] = value;
  }
  node.append(...children);
  return node;
}
