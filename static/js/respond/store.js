/**
 * The sort's state and every change to it, in one place.
 *
 * A card is always in exactly one place:
 *   "deck"           not yet put on a pile (presort phase),
 *   "pile:<pile>"    on a pile / in that pile's tray (pile is agree | neutral | disagree),
 *   "grid:<score>"   in a grid column, at an index ("slot") within it.
 * Every change goes through `commit`, which bumps the revision, appends to the move log and tells the
 * listeners (views re-render, the auto-saver schedules a save). Views never change the state themselves.
 */

/** The three presort piles, in the order they are shown: more important first. */
export const PILES = ["agree", "neutral", "disagree"];

/** The steps this page measures the time of. */
const SORT_STEPS = ["presort", "grid"];

export class SortStore {
  /**
   * @param {object} study      {grid: [{score, height}], free_distribution}
   * @param {Array} statements  [{id, code, text}]
   * @param {number[]} order    statement ids in the order the deck deals them
   */
  constructor(study, statements, order) {
    this.statements = new Map(statements.map((s) => [s.id, s]));
    this.order = order;
    this.grid = study.grid.map((c) => ({ score: c.score, height: c.height }));
    this.freeDistribution = Boolean(study.free_distribution);
    this.step = "presort";
    this.revision = 0; // counts this page's changes; the server stores the newest it confirmed
    this.baseRevision = 0; // the stored revision this state is built on (the server merges or refuses others)
    this.savedRevision = null; // this page's newest revision the server confirmed (null: none yet)
    this.moveLogFull = false; // the server's move log for this sort is full: changes are saved without moves
    this.presort = {}; // statement id -> pile
    this.columns = new Map(this.grid.map((c) => [c.score, []])); // score -> [ids] in slot order
    this.seconds = {}; // step -> running total of visible seconds
    this.pendingMoves = []; // moves not yet acknowledged by the server
    this.undoStack = [];
    this.listeners = new Set();
    this.clockStart = null;
  }

  // ----- loading -------------------------------------------------------------------------------------

  /** Take over a saved state (from the server or from localStorage); unknown ids and columns are dropped. */
  load(saved) {
    this.step = saved.step === "grid" ? "grid" : "presort";
    this.revision = Number(saved.revision) || 0;
    // A server state is its own base; a local copy remembers the stored revision it was built on.
    this.baseRevision = Number(saved.base_revision ?? saved.revision) || 0;
    this.presort = {};
    for (const [id, pile] of Object.entries(saved.presort || {})) {
      if (this.statements.has(Number(id)) && PILES.includes(pile)) this.presort[Number(id)] = pile;
    }
    for (const ids of this.columns.values()) ids.length = 0;
    const placements = [...(saved.placements || [])].sort((a, b) => a.slot - b.slot);
    const seen = new Set();
    for (const p of placements) {
      const id = Number(p.statement_id);
      if (!this.statements.has(id) || seen.has(id) || !this.columns.has(p.score)) continue;
      seen.add(id);
      this.columns.get(p.score).push(id);
    }
    this.seconds = { ...(saved.seconds || {}) };
    this.pendingMoves = Array.isArray(saved.pendingMoves) ? saved.pendingMoves : [];
    this.undoStack = [];
    this.emit({ type: "load" });
  }

  // ----- reading -------------------------------------------------------------------------------------

  statement(id) {
    return this.statements.get(id);
  }

  /** Where a card is now: "deck", "pile:<pile>" or "grid:<score>". */
  placeOf(id) {
    for (const [score, ids] of this.columns) if (ids.includes(id)) return `grid:${score}`;
    return this.presort[id] ? `pile:${this.presort[id]}` : "deck";
  }

  /** Cards not yet on a pile, in dealing order. */
  deck() {
    return this.order.filter((id) => !this.presort[id] && !this.isPlaced(id));
  }

  /** All cards on a pile (placed in the grid or not), in dealing order. */
  pile(pile) {
    return this.order.filter((id) => this.presort[id] === pile);
  }

  /** The cards of a pile that still wait to be placed in the grid (cards without a pile count as neutral). */
  tray(pile) {
    return this.order.filter((id) => !this.isPlaced(id) && (this.presort[id] || "neutral") === pile);
  }

  column(score) {
    return this.columns.get(score) || [];
  }

  height(score) {
    const column = this.grid.find((c) => c.score === score);
    return column ? column.height : 0;
  }

  isPlaced(id) {
    for (const ids of this.columns.values()) if (ids.includes(id)) return true;
    return false;
  }

  placedCount() {
    let n = 0;
    for (const ids of this.columns.values()) n += ids.length;
    return n;
  }

  /** Columns whose count differs from their height: [{score, count, height}] (none for a free distribution). */
  columnProblems() {
    if (this.freeDistribution) return [];
    return this.grid
      .map((c) => ({ score: c.score, height: c.height, count: this.column(c.score).length }))
      .filter((c) => c.count !== c.height);
  }

  /** Every card in the grid, and (forced distribution) every column exactly at its height. */
  isComplete() {
    return this.placedCount() === this.statements.size && this.columnProblems().length === 0;
  }

  placements() {
    const out = [];
    for (const [score, ids] of this.columns) {
      ids.forEach((id, slot) => out.push({ statement_id: id, score, slot }));
    }
    return out;
  }

  // ----- changing ------------------------------------------------------------------------------------

  /** Presort: put a card on a pile (from the deck or from another pile). */
  presortCard(id, pile, { undoable = true } = {}) {
    const from = this.placeOf(id);
    if (from === `pile:${pile}`) return;
    this.removeFromGrid(id);
    this.presort[id] = pile;
    this.commit(id, from, `pile:${pile}`, undoable);
  }

  /** Grid: put a card into a column at `index` (default: the end). Works from a tray or another column. */
  placeCard(id, score, index = null, { undoable = true } = {}) {
    if (!this.columns.has(score)) throw new Error(`no column ${score}`);
    const from = this.placeOf(id);
    const fromIndex = this.indexInColumn(id);
    this.removeFromGrid(id);
    const ids = this.columns.get(score);
    const at = index === null || index > ids.length ? ids.length : Math.max(0, index);
    ids.splice(at, 0, id);
    if (from === `grid:${score}` && fromIndex === at) return;
    this.commit(id, from, `grid:${score}`, undoable, fromIndex);
  }

  /** Grid: take a card out of the grid, back into a pile's tray. */
  returnToPile(id, pile = null, { undoable = true } = {}) {
    const from = this.placeOf(id);
    const fromIndex = this.indexInColumn(id);
    const target = pile || this.presort[id] || "neutral";
    this.removeFromGrid(id);
    this.presort[id] = target;
    if (from === `pile:${target}`) return;
    this.commit(id, from, `pile:${target}`, undoable, fromIndex);
  }

  /** Undo the last undoable change; returns {id, to} of what was moved back, or null. */
  undo() {
    const last = this.undoStack.pop();
    if (!last) return null;
    const { id, from, fromIndex } = last;
    if (from === "deck") {
      const was = this.placeOf(id);
      this.removeFromGrid(id);
      delete this.presort[id];
      this.commit(id, was, "deck", false);
    } else if (from.startsWith("pile:")) {
      const pile = from.slice(5);
      if (this.isPlaced(id)) this.returnToPile(id, pile, { undoable: false });
      else this.presortCard(id, pile, { undoable: false });
    } else {
      this.placeCard(id, Number(from.slice(5)), fromIndex, { undoable: false });
    }
    return { id, to: from };
  }

  canUndo() {
    return this.undoStack.length > 0;
  }

  setStep(step) {
    if (this.step === step) return;
    this.accrueTime();
    this.step = step;
    this.undoStack = [];
    this.revision += 1;
    this.emit({ type: "step", step });
  }

  // ----- time ----------------------------------------------------------------------------------------

  /** Start or stop the clock of the current step (stopped while the page is hidden). */
  setClockRunning(running) {
    this.accrueTime();
    this.clockStart = running ? performance.now() : null;
  }

  /** Add the time since the clock last ran to the current step's total. */
  accrueTime() {
    if (this.clockStart === null) return;
    const now = performance.now();
    const total = (this.seconds[this.step] || 0) + (now - this.clockStart) / 1000;
    this.seconds[this.step] = Math.round(total * 10) / 10;
    this.clockStart = now;
  }

  // ----- saving --------------------------------------------------------------------------------------

  /** The body of POST /api/draft. */
  draft() {
    this.accrueTime();
    return {
      revision: this.revision,
      base_revision: this.baseRevision,
      step: this.step,
      presort: Object.fromEntries(Object.entries(this.presort).map(([id, pile]) => [String(id), pile])),
      placements: this.placements(),
      moves: this.pendingMoves.slice(),
      // only this page's steps: the server measures the others itself
      seconds: Object.fromEntries(SORT_STEPS.filter((step) => step in this.seconds).map((step) => [step, this.seconds[step]])),
    };
  }

  /** What localStorage keeps: the draft plus the unacknowledged moves. */
  snapshot() {
    const draft = this.draft();
    return { ...draft, pendingMoves: draft.moves, saved_revision: this.savedRevision, savedAt: Date.now() };
  }

  /** The server has stored the moves up to `seq`: forget them. */
  acknowledgeMoves(seqs) {
    const done = new Set(seqs);
    this.pendingMoves = this.pendingMoves.filter((m) => !done.has(m.seq));
  }

  /**
   * The server stored a draft built on this page's state and answers the revision it now holds: later
   * drafts are built on that one. Changes made meanwhile keep counting above it.
   */
  savedAs(serverRevision, changedMeanwhile = false) {
    this.baseRevision = serverRevision;
    if (changedMeanwhile && this.revision <= serverRevision) this.revision = serverRevision + 1;
    else if (serverRevision > this.revision) this.revision = serverRevision;
  }

  // ----- internals -----------------------------------------------------------------------------------

  indexInColumn(id) {
    for (const ids of this.columns.values()) {
      const i = ids.indexOf(id);
      if (i >= 0) return i;
    }
    return null;
  }

  removeFromGrid(id) {
    for (const ids of this.columns.values()) {
      const i = ids.indexOf(id);
      if (i >= 0) ids.splice(i, 1);
    }
  }

  commit(id, from, to, undoable, fromIndex = null) {
    this.revision += 1;
    if (from !== to && !this.moveLogFull) {
      // seq = the revision of the move: unique per sort, also after resuming on another device.
      this.pendingMoves.push({ statement_id: id, from, to, t: Date.now(), seq: this.revision });
    }
    if (undoable) this.undoStack.push({ id, from, fromIndex });
    this.emit({ type: "move", id, from, to });
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change) {
    for (const listener of this.listeners) listener(change);
  }
}

/**
 * The order the deck deals the cards: a shuffle seeded by `seed` (the participant's link), so that every
 * participant sees a different order and a reload sees the same one.
 */
export function dealingOrder(ids, seed) {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i += 1) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  const random = () => {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), 1 | h);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = ids.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A column as both grid layouts show it: its count and height, the badge, and whether it is full or over-full. */
export function columnState(store, score) {
  const count = store.column(score).length;
  const height = store.height(score);
  return {
    count,
    height,
    badge: `${count}/${height}`,
    over: !store.freeDistribution && count > height,
    full: count === height,
  };
}
