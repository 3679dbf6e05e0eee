/**
 * Pick a card, choose a column, place it: the selection model behind the keyboard path and the phone's
 * "tap a card, then Place here".
 *
 * Keys (on a focused card): Enter or Space picks it up; Left/Right (or Home/End) choose the column, or type
 * its score ("3", "-3", "+3", "0"); Enter places the card at the end of that column; Escape cancels;
 * Delete or Backspace puts a card back on its pile; "o" opens it full size; Ctrl+Z undoes the last move.
 * Every step is announced through the live region.
 */
import { scoreLabel, shortText } from "./cards.js";

const TYPED_SCORE_TIMEOUT_MS = 1200;

export class CardPicker {
  /**
   * @param {object} ctx  {store, t, announcer, dialog, pileName(pile), view() -> the active layout}
   *                      The layout offers render(), focusCard(id) and, optionally, showTarget(score).
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.picked = null; // statement id
    this.target = null; // column score
    this.typed = "";
    this.typedTimer = null;
  }

  get scores() {
    return this.ctx.store.grid.map((c) => c.score);
  }

  // ----- the model -----------------------------------------------------------------------------------

  /** Pick a card up: by keyboard, by a tap (phone: then "Place here") or by a click (then a column). */
  pick(id, { viaKeyboard = true, pointer = false } = {}) {
    this.picked = id;
    this.target = this.startColumn(id);
    this.refresh();
    const { t, store } = this.ctx;
    const card = shortText(store.statement(id));
    const key = viaKeyboard ? "pickedKeyboard" : pointer ? "pickedPointer" : "pickedTouch";
    this.ctx.announcer.announce(`${t(key, { card })} ${this.describeTarget()}`);
  }

  cancel() {
    if (this.picked === null) return;
    const id = this.picked;
    this.picked = null;
    this.refresh();
    this.ctx.announcer.announce(this.ctx.t("cancelled"));
    this.ctx.view().focusCard(id);
  }

  setTarget(score, { announce = true } = {}) {
    if (!this.scores.includes(score)) return;
    this.target = score;
    this.refresh();
    if (announce) this.ctx.announcer.announce(this.describeTarget());
  }

  stepTarget(delta) {
    const scores = this.scores;
    const i = scores.indexOf(this.target ?? 0);
    this.setTarget(scores[Math.min(scores.length - 1, Math.max(0, i + delta))]);
  }

  /** Place the picked card in column `score` (default: the target) at `index` (default: the end). */
  place(score = this.target, index = null) {
    if (this.picked === null || score === null) return;
    const { store, t } = this.ctx;
    const id = this.picked;
    const fromPile = !store.isPlaced(id);
    this.picked = null;
    this.target = score;
    store.placeCard(id, score, index);
    const count = store.column(score).length;
    const height = store.height(score);
    let message = t("placed", { card: shortText(store.statement(id)), column: scoreLabel(score), count, height });
    if (!store.freeDistribution && count > height) message += ` ${t("overfullNow", { column: scoreLabel(score) })}`;
    this.ctx.announcer.announce(message);
    // A card from a pile: on to the next card still to place (one Tab-free step per card). A card moved
    // within the grid keeps the focus, to adjust it further.
    const next = fromPile ? this.nextUnplaced(id) : null;
    this.ctx.view().focusCard(next ?? id);
  }

  /** The card to work on after `id` left its pile: the next one on the same pile, else on any pile. */
  nextUnplaced(id) {
    const { store } = this.ctx;
    const pile = store.presort[id] || "neutral";
    const piles = [pile, ...["agree", "neutral", "disagree"].filter((p) => p !== pile)];
    for (const p of piles) {
      const ids = store.tray(p);
      if (ids.length) return ids[0];
    }
    return null;
  }

  /** Put a card (the picked one by default) back on its pile (or on `pile`, when dropped on a tray). */
  returnToPile(id = this.picked, pile = null) {
    if (id === null) return;
    const { store, t } = this.ctx;
    if (!store.isPlaced(id) && (pile === null || store.presort[id] === pile)) return;
    this.picked = null;
    store.returnToPile(id, pile);
    const now = store.presort[id] || "neutral";
    this.ctx.announcer.announce(t("returned", { card: shortText(store.statement(id)), pile: this.ctx.pileName(now) }));
    this.ctx.view().focusCard(id);
  }

  undo() {
    const undone = this.ctx.store.undo();
    this.picked = null;
    if (undone) {
      this.ctx.announcer.announce(this.ctx.t("undone", { card: shortText(this.ctx.store.statement(undone.id)) }));
      this.ctx.view().focusCard(undone.id);
    }
  }

  // ----- the keyboard --------------------------------------------------------------------------------

  /** keydown anywhere in the grid phase. */
  handleKey(event) {
    if (event.defaultPrevented || event.altKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select, dialog")) return;
    const card = event.target.closest(".card");
    const key = event.key;

    if (event.ctrlKey) {
      if (key.toLowerCase() === "z") {
        event.preventDefault();
        this.undo();
      }
      return;
    }
    if (this.picked !== null) {
      this.handlePickedKey(event);
      return;
    }
    if (!card) return;
    const id = Number(card.dataset.id);
    if (key.startsWith("Arrow")) {
      event.preventDefault();
      moveFocus(card, key);
    } else if (key === "Enter" || key === " ") {
      event.preventDefault();
      this.pick(id);
    } else if (key === "Delete" || key === "Backspace") {
      event.preventDefault();
      this.returnToPile(id);
    } else if (key === "o" || key === "O") {
      event.preventDefault();
      this.ctx.dialog.open(this.ctx.store.statement(id));
    }
  }

  handlePickedKey(event) {
    const key = event.key;
    const handled = () => event.preventDefault();
    if (key === "Escape") {
      handled();
      this.cancel();
    } else if (key === "Enter" || key === " ") {
      handled();
      this.place();
    } else if (key === "ArrowLeft" || key === "ArrowDown") {
      handled();
      this.stepTarget(-1);
    } else if (key === "ArrowRight" || key === "ArrowUp") {
      handled();
      this.stepTarget(1);
    } else if (key === "Home" || key === "End") {
      handled();
      const scores = this.scores;
      this.setTarget(key === "Home" ? scores[0] : scores[scores.length - 1]);
    } else if (key === "Delete" || key === "Backspace") {
      handled();
      this.returnToPile();
    } else if (/^[0-9+-]$/.test(key)) {
      handled();
      this.typeScore(key);
    } else if (key === "Tab") {
      // leaving the card cancels the pick quietly, like a drag that is let go outside the grid
      this.picked = null;
      this.refresh();
    }
  }

  /** Typed "-", "+" and digits build a score; a complete one moves the target there. */
  typeScore(key) {
    clearTimeout(this.typedTimer);
    this.typed = /[0-9]/.test(key) ? this.typed + key : key;
    this.typedTimer = setTimeout(() => (this.typed = ""), TYPED_SCORE_TIMEOUT_MS);
    if (!/[0-9]/.test(key)) return;
    const score = Number(this.typed.replace("+", ""));
    this.typed = "";
    if (this.scores.includes(score)) this.setTarget(score);
    else this.ctx.announcer.announce(this.ctx.t("noSuchColumn", { column: scoreLabel(score) }));
  }

  // ----- helpers -------------------------------------------------------------------------------------

  /** Where a picked card starts: its own column, else the first free column on its pile's side. */
  startColumn(id) {
    const { store } = this.ctx;
    const place = store.placeOf(id);
    if (place.startsWith("grid:")) return Number(place.slice(5));
    const scores = this.scores;
    const pile = store.presort[id] || "neutral";
    let order;
    if (pile === "agree") order = scores.slice().reverse();
    else if (pile === "disagree") order = scores.slice();
    else order = scores.slice().sort((a, b) => Math.abs(a) - Math.abs(b));
    return order.find((s) => store.column(s).length < store.height(s)) ?? order[0];
  }

  describeTarget() {
    const { store, t } = this.ctx;
    const score = this.target;
    return t("target", { column: scoreLabel(score), count: store.column(score).length, height: store.height(score) });
  }

  refresh() {
    const view = this.ctx.view();
    view.render();
    if (this.picked !== null) view.focusCard(this.picked);
  }
}

/**
 * Arrow keys on a card (nothing picked): Up/Down to the previous/next card in the same pile or column,
 * Left/Right to the neighbouring pile or column that holds cards (at about the same row). Each list is one
 * Tab stop (roving tabindex, see rovingTabIndex), so Tab moves between regions, not card by card.
 */
export function moveFocus(card, key) {
  const list = card.closest(".card-list");
  if (!list) return;
  const cards = [...list.querySelectorAll(":scope > .card")];
  const index = cards.indexOf(card);
  let next = null;
  if (key === "ArrowUp" || key === "ArrowDown") {
    next = cards[index + (key === "ArrowUp" ? -1 : 1)] || null;
  } else {
    const root = list.closest(".grid-desktop, .grid-phone") || document;
    const lists = [...root.querySelectorAll(".card-list")].filter((l) => l === list || l.querySelector(".card"));
    const other = lists[lists.indexOf(list) + (key === "ArrowLeft" ? -1 : 1)];
    if (other) {
      const others = [...other.querySelectorAll(":scope > .card")];
      next = others[Math.min(index, others.length - 1)];
    }
  }
  if (next) {
    rovingTabIndex(next);
    next.focus();
    next.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
}

/** Make `card` its list's single Tab stop. */
export function rovingTabIndex(card) {
  const list = card.closest(".card-list");
  if (!list) return;
  for (const other of list.querySelectorAll(":scope > .card")) other.tabIndex = other === card ? 0 : -1;
}
