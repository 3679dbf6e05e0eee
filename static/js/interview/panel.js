/**
 * The interviewer's panel: follows the customer's sort (polls the live JSON about once a second; it only reads,
 * so the customer's screen never changes), shows a timer per step, prompts that follow the sort, and notes per
 * card (tap a card) or general, saved by NoteStore. In one-device mode the panel folds away during the sort.
 */
import {NoteStore} from "./notes.js";

const POLL_MS = 1000;
const root = document.getElementById("panel");
const t = (name) => root.dataset["t" + name[0].toUpperCase() + name.slice(1)] || name;
const stepLabels = JSON.parse(document.getElementById("step-name").dataset.labels || "{}");
let live = null;
let current = null; // the note being typed
let statements = new Map();
let lastStep = null;

const status = document.getElementById("save-status");
const store = new NoteStore(`qsort-interview-notes-${root.dataset.session}`, root.dataset.notesUrl, (s) => {
  status.textContent = s === "saved" ? t("saved") : s === "saving" ? t("saving") : t("offline");
  status.dataset.state = s;
});
const textarea = document.getElementById("note-text");
const target = document.getElementById("note-target");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("data")) node.setAttribute(k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()), v); else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
}

function startNote(statementId) {
  if (current && !current.text && current.statement_id === statementId) return focus();
  current = store.create(statementId);
  textarea.value = "";
  showTarget();
  renderNotes();
  focus();
}

function focus() { textarea.focus(); }

function showTarget() {
  const s = current && current.statement_id ? statements.get(current.statement_id) : null;
  target.textContent = s ? t("card").replace("{n}", s.number) + " · " + s.text : t("general");
  document.querySelectorAll(".live-card.selected").forEach((c) => c.classList.remove("selected"));
  if (s) document.querySelectorAll(`.live-card[data-statement="${s.id}"]`).forEach((c) => c.classList.add("selected"));
}

textarea.addEventListener("input", () => {
  if (!current) current = store.create(null);
  store.update(current.client_id, textarea.value);
  renderNotes();
});
document.getElementById("note-new").addEventListener("click", () => startNote(current ? current.statement_id : null));
document.getElementById("note-general").addEventListener("click", () => startNote(null));

function renderNotes() {
  const list = document.getElementById("note-list");
  list.replaceChildren();
  for (const note of store.list().reverse()) {
    if (!note.text && note !== current) continue;
    const s = note.statement_id ? statements.get(note.statement_id) : null;
    const when = new Date(note.created_at).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
    const item = el("li", {class: "note" + (note === current ? " current" : ""), "data-client-id": note.client_id},
      el("span", {class: "note-meta"}, when + (s ? " · #" + s.number : "") + (note.author ? " · " + note.author : "")),
      el("span", {class: "note-text"}, note.text || "…"));
    item.addEventListener("click", () => { current = note; textarea.value = note.text; showTarget(); renderNotes(); });
    list.append(item);
  }
}

function card(statementId) {
  const s = statements.get(statementId);
  const noted = store.list().some((n) => n.statement_id === statementId && n.text);
  const node = el("button", {type: "button", class: "live-card" + (noted ? " noted" : ""), "data-statement": String(statementId),
    title: s ? s.text : ""}, el("span", {class: "num"}, s ? "#" + s.number : "?"), el("span", {class: "txt"}, s ? s.text : ""));
  node.addEventListener("click", () => startNote(statementId));
  return node;
}

function renderGrid() {
  const grid = document.getElementById("live-grid");
  const byScore = new Map(live.grid.map((c) => [c.score, []]));
  for (const p of live.placements) if (byScore.has(p.score)) byScore.get(p.score).push(p);
  grid.replaceChildren();
  for (const column of live.grid) {
    const cards = byScore.get(column.score).sort((a, b) => a.slot - b.slot);
    const col = el("div", {class: "live-column", "data-score": String(column.score)},
      el("div", {class: "live-score"}, (column.score > 0 ? "+" : "") + column.score + " (" + cards.length + "/" + column.height + ")"));
    for (const p of cards) col.append(card(p.statement_id));
    grid.append(col);
  }
  const piles = document.getElementById("live-piles");
  piles.replaceChildren();
  const placed = new Set(live.placements.map((p) => p.statement_id));
  const byPile = {agree: [], neutral: [], disagree: []};
  for (const [id, pile] of Object.entries(live.presort)) if (!placed.has(Number(id)) && byPile[pile]) byPile[pile].push(Number(id));
  if (Object.values(byPile).some((l) => l.length)) {
    piles.append(el("h3", {}, t("presort")));
    for (const pile of ["agree", "neutral", "disagree"]) {
      const box = el("div", {class: "live-pile pile-" + pile}, el("div", {class: "live-score"}, t(pile) + " (" + byPile[pile].length + ")"));
      for (const id of byPile[pile]) box.append(card(id));
      piles.append(box);
    }
  }
  showTarget();
}

function renderPrompts() {
  const list = document.getElementById("prompts");
  if (!live.prompts.length) return;
  list.replaceChildren(...live.prompts.map((p) => {
    const item = el("li", {class: "prompt prompt-" + p.kind}, el("strong", {}, p.question), " ",
      el("span", {class: "muted"}, "#" + p.number + " " + p.text));
    item.addEventListener("click", () => startNote(p.statement_id));
    return item;
  }));
}

/** The timers count by the server's clock (the step times are the server's; this device's clock may be off):
 * ``offset`` is the server's time minus this device's, taken at the first poll. They count whether the drawer
 * is open or not, and from when the customer reached the step, not from when this page was opened. */
let offset = null;

function tick() {
  if (!live) return;
  const now = Date.now() + (offset || 0);
  const stepStart = Date.parse((live.step_times[live.step] || live.started_at) + "Z");
  const end = live.ended_at ? Date.parse(live.ended_at + "Z") : now;
  document.getElementById("step-timer").textContent = clock((end - stepStart) / 1000);
  document.getElementById("session-timer").textContent = clock((end - Date.parse(live.started_at + "Z")) / 1000);
}

function foldForSort(step) {
  if (root.dataset.mode !== "one" || step === lastStep) return;
  const sorting = step === "presort" || step === "grid";
  setDrawer(!sorting);
}

function setDrawer(open) {
  const toggle = document.getElementById("drawer-toggle");
  root.classList.toggle("drawer-closed", !open);
  if (toggle) toggle.setAttribute("aria-expanded", String(open));
}

/** The drawer starts below the session's head (timers, End the session), which it must never cover. */
function placeDrawer() {
  const head = root.querySelector(".session-head");
  root.style.setProperty("--drawer-top", Math.max(0, head.getBoundingClientRect().bottom + 8) + "px");
}
if (root.dataset.mode === "one") {
  placeDrawer();
  window.addEventListener("resize", placeDrawer);
  window.addEventListener("scroll", placeDrawer, {passive: true});
}

const drawerToggle = document.getElementById("drawer-toggle");
if (drawerToggle) drawerToggle.addEventListener("click", () => setDrawer(root.classList.contains("drawer-closed")));

async function poll() {
  try {
    const response = await fetch(root.dataset.liveUrl, {credentials: "same-origin", cache: "no-store"});
    if (response.ok) {
      const fresh = await response.json();
      if (offset === null && fresh.now) offset = Date.parse(fresh.now + "Z") - Date.now();
      const changed = !live || fresh.revision !== live.revision || fresh.step !== live.step
        || JSON.stringify(fresh.placements) !== JSON.stringify(live.placements) || JSON.stringify(fresh.presort) !== JSON.stringify(live.presort);
      live = fresh;
      statements = new Map(live.statements.map((s) => [s.id, s]));
      store.merge(live.notes);
      document.getElementById("step-name").textContent = stepLabels[live.step] || live.step;
      foldForSort(live.step);
      lastStep = live.step;
      root.dataset.step = live.step;
      root.dataset.revision = String(live.revision);
      if (changed) { renderGrid(); renderPrompts(); }
      if (document.activeElement !== textarea) renderNotes();
      tick();
    }
  } catch (_error) { /* offline: try again */ }
  if (!root.dataset.ended) setTimeout(poll, POLL_MS);
}

setInterval(tick, 1000);
renderNotes();
if (store.dirty().length) store.flush(); else status.textContent = "";
poll();
