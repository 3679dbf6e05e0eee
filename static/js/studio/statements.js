// Drag-and-drop reordering of the statement list (the ↑/↓ buttons do the same without JavaScript).
// Each drop posts the whole new order as JSON to data-reorder-url with the CSRF token from <meta name="csrf-token">.
import Sortable from "../../vendor/sortablejs/sortable.esm.js";

const rows = document.getElementById("statement-rows");
const status = document.getElementById("reorder-status");

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

function renumber() {
  rows.querySelectorAll("tr").forEach((row, index) => {
    const cell = row.querySelector(".position");
    if (cell) cell.textContent = String(index + 1);
  });
}

async function saveOrder() {
  const order = Array.from(rows.querySelectorAll("tr[data-id]"), (row) => Number(row.dataset.id));
  renumber();
  try {
    const response = await fetch(rows.dataset.reorderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ order }),
      credentials: "same-origin",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || rows.dataset.errorMessage);
    if (status) status.textContent = rows.dataset.savedMessage || "";
  } catch (error) {
    if (status) status.textContent = error.message || rows.dataset.errorMessage;
  }
}

if (rows && rows.dataset.reorderUrl) {
  // forceFallback: pointer events instead of native HTML5 drag, the same for mouse and touch.
  Sortable.create(rows, {
    handle: ".drag-handle", animation: 150, ghostClass: "sortable-ghost", forceFallback: true, fallbackTolerance: 3,
    onEnd: (event) => { if (event.oldIndex !== event.newIndex) saveOrder(); },
  });
}
