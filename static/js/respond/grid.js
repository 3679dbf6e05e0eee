/**
 * Phase 2, the grid: cards go from the pile trays into the forced quasi-normal grid.
 *
 * GridPhase owns the phase (footer, Continue, the keyboard) and shows one of two layouts:
 * - DesktopGrid: trays above, all columns side by side; drag and drop with mouse and touch (SortableJS with
 *   its pointer-based fallback, one shared group for trays and columns) and the keyboard path.
 * - PhoneGrid (phone.js, viewports up to 700 px): one column at a time; tap a card, then "Place here".
 * Both only read the store and call store/picker actions; after every change they render from the store.
 */
import Sortable from "../../vendor/sortablejs/sortable.esm.js";
import { PILES, columnState } from "./store.js";
import { cardElement, scoreLabel } from "./cards.js";
import { el } from "./dom.js";
import { CardPicker, rovingTabIndex } from "./keyboard.js";
import { PhoneGrid } from "./phone.js";

// A grid card is as wide as about this many em of its text (its longest common word, the padding and the ⤢).
const CARD_WIDTH_IN_EM = 9;

export const PHONE_QUERY = "(max-width: 700px)";

export class GridPhase {
  /**
   * @param {HTMLElement} root  #grid-phase
   * @param {object} ctx        {store, t, announcer, dialog, pileName, labels, onSubmit}
   */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.status = root.querySelector("#grid-status");
    this.continueButton = root.querySelector("#grid-continue");
    this.undoButton = root.querySelector("#grid-undo");
    this.picker = new CardPicker({ ...ctx, view: () => this.layout });
    const layoutCtx = { ...ctx, picker: this.picker, onSubmit: () => ctx.onSubmit() };
    this.desktop = new DesktopGrid(root.querySelector("#grid-desktop"), layoutCtx);
    this.phone = new PhoneGrid(root.querySelector("#grid-phone"), layoutCtx);
    this.media = window.matchMedia(PHONE_QUERY);
    this.layout = this.media.matches ? this.phone : this.desktop;
    this.media.addEventListener("change", () => this.chooseLayout());
    this.undoButton.addEventListener("click", () => this.picker.undo());
    // On a phone, Continue shows the whole sort first (its own Continue then submits).
    this.continueButton.addEventListener("click", () => {
      if (this.layout !== this.phone || this.phone.beforeSubmit()) ctx.onSubmit();
    });
    this.onKey = (event) => this.picker.handleKey(event);
  }

  activate() {
    this.root.addEventListener("keydown", this.onKey);
    this.chooseLayout();
  }

  deactivate() {
    this.root.removeEventListener("keydown", this.onKey);
  }

  chooseLayout() {
    this.layout = this.media.matches ? this.phone : this.desktop;
    this.desktop.root.hidden = this.layout !== this.desktop;
    this.phone.root.hidden = this.layout !== this.phone;
    this.root.dataset.layout = this.layout === this.phone ? "phone" : "desktop";
    this.render();
  }

  render() {
    // Rendering replaces the card elements: keep the keyboard focus on the same card.
    const active = document.activeElement;
    const focusedCard = active && active.classList.contains("card") && this.root.contains(active) ? Number(active.dataset.id) : null;
    this.layout.render();
    this.renderFooter();
    if (focusedCard !== null && !this.root.contains(document.activeElement)) this.layout.focusCard(focusedCard);
  }

  renderFooter() {
    const { store, t } = this.ctx;
    const left = store.statements.size - store.placedCount();
    const problems = store.columnProblems();
    const over = problems.filter((p) => p.count > p.height);
    // While cards wait in the trays only over-full columns are a problem; once all are placed, every mismatch.
    const shown = left > 0 ? over : problems;
    // One short line: the columns themselves are marked (red over-full, amber not full); the full sentences
    // per column go to the status' tooltip and to screen readers through the announcer when they happen.
    const parts = left > 0 ? [t("cardsLeft", { count: left })] : problems.length ? [] : [t("gridComplete")];
    if (shown.length) parts.push(t(left > 0 ? "columnsOverfull" : "columnsToFix", { count: shown.length }));
    this.status.textContent = parts.join(" ");
    this.status.title = shown.map((p) => this.problemText(p)).join(" ");
    this.status.classList.toggle("has-problem", shown.length > 0);
    this.continueButton.disabled = !store.isComplete();
    this.undoButton.disabled = !store.canUndo();
  }

  problemText({ score, count, height }) {
    const key = count > height ? "columnTooMany" : "columnTooFew";
    return this.ctx.t(key, { column: scoreLabel(score), count, height });
  }

  /** The submit button shows it is busy (or not). */
  setBusy(busy) {
    this.continueButton.disabled = busy || !this.ctx.store.isComplete();
    this.continueButton.classList.toggle("busy", busy);
    this.phone.reviewContinue.disabled = this.continueButton.disabled;
    this.phone.reviewContinue.classList.toggle("busy", busy);
  }
}

class DesktopGrid {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.sortables = [];
    this.build();
  }

  build() {
    const { store, t } = this.ctx;
    this.trayParts = {};
    const trays = el("div", { class: "trays" }, PILES.map((pile) => {
      const count = el("span", { class: "tray-count" });
      const list = el("ol", { class: "tray-cards card-list", data: { place: `pile:${pile}` },
                              attrs: { "aria-label": this.ctx.pileName(pile) } });
      const tray = el("section", { class: `tray tray-${pile}`, data: { pile } }, [
        el("h3", { class: "tray-head" }, [el("span", { text: this.ctx.pileName(pile) }), count]),
        list,
      ]);
      this.trayParts[pile] = { tray, count, list };
      return tray;
    }));

    const ends = el("div", { class: "grid-ends" }, [
      el("span", { class: "grid-end grid-end-least", text: this.ctx.labels.least }),
      el("span", { class: "grid-end grid-end-most", text: this.ctx.labels.most }),
    ]);

    this.columnParts = new Map();
    const grid = el("div", { class: "grid", style: { "--columns": store.grid.length } }, store.grid.map(({ score, height }) => {
      const badge = el("span", { class: "column-badge" });
      const list = el("ol", { class: "column-cards card-list", data: { place: `grid:${score}` },
                              attrs: { "aria-label": t("columnName", { column: scoreLabel(score) }) } });
      const slots = Array.from({ length: height }, () => el("div", { class: "slot" }));
      const column = el("section", { class: "column", data: { score } }, [
        el("header", { class: "column-head" }, [el("span", { class: "column-score", text: scoreLabel(score) }), badge]),
        el("div", { class: "column-body" }, [el("div", { class: "column-slots", attrs: { "aria-hidden": "true" } }, slots), list]),
      ]);
      this.columnParts.set(score, { column, badge, list });
      return column;
    }));
    this.root.append(trays, el("div", { class: "grid-scroller" }, [ends, grid]));
    // Cards in the trays as wide as in the columns, so a card looks the same wherever it is.
    this.firstColumnList = this.columnParts.values().next().value.list;
    new ResizeObserver(() => this.matchCardWidth()).observe(grid);

    const lists = [...Object.values(this.trayParts).map((p) => p.list), ...[...this.columnParts.values()].map((p) => p.list)];
    for (const list of lists) {
      this.sortables.push(
        Sortable.create(list, {
          group: "qsort-cards",
          draggable: ".card",
          filter: ".card-open",
          preventOnFilter: false,
          // Sortable's own pointer-based drag for mouse and touch alike: one behaviour everywhere
          forceFallback: true,
          fallbackOnBody: true,
          fallbackTolerance: 4,
          delayOnTouchOnly: true,
          delay: 150,
          animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 120,
          ghostClass: "card-ghost",
          chosenClass: "card-chosen",
          dragClass: "card-dragging",
          emptyInsertThreshold: 20,
          scroll: true, // near the window's edges; over the sticky footer: scrollUnderFooter()
          bubbleScroll: true,
          onStart: () => this.startPointerWatch(),
          onEnd: (event) => this.dropped(event),
        }),
      );
    }
    // Besides dragging: click a card, then click a column (or a tray) to put it there. For anyone who
    // finds dragging hard, and for touch screens wider than a phone. (SortableJS swallows the click that
    // ends a drag, so a drag never also picks a card.)
    this.root.addEventListener("click", (event) => this.clicked(event));
    // The card under the pointer (or with the focus) in full in the footer: narrow columns show only the
    // first lines of a long statement.
    const preview = document.getElementById("card-preview");
    const showPreview = (event) => {
      const card = event.target.closest && event.target.closest(".card");
      if (!card) return;
      preview.textContent = store.statement(Number(card.dataset.id)).text;
      preview.hidden = false;
    };
    this.root.addEventListener("pointerover", showPreview);
    this.root.addEventListener("focusin", showPreview);
  }

  clicked(event) {
    const { store, picker } = this.ctx;
    const card = event.target.closest(".card");
    if (event.target.closest(".card-open")) {
      this.ctx.dialog.open(store.statement(Number(card.dataset.id)));
      return;
    }
    const column = event.target.closest(".column");
    const tray = event.target.closest(".tray");
    if (card) {
      const id = Number(card.dataset.id);
      if (picker.picked === id) picker.cancel();
      else if (picker.picked !== null && column) picker.place(Number(column.dataset.score));
      else picker.pick(id, { viaKeyboard: false, pointer: true });
    } else if (picker.picked !== null && column) {
      picker.place(Number(column.dataset.score));
    } else if (picker.picked !== null && tray) {
      picker.returnToPile(picker.picked, tray.dataset.pile);
    }
  }

  /**
   * Cards in the piles as wide as in the columns; and the cards' text no larger than a column can hold whole
   * words of (about 9 em for the longest common word plus the padding and the ⤢ button): at a large text size
   * on a narrow screen the cards keep their size and the footer shows the statement at the size chosen.
   */
  matchCardWidth() {
    const width = this.firstColumnList.clientWidth;
    if (width <= 0) return;
    this.root.style.setProperty("--card-w", `${width}px`);
    this.root.style.setProperty("--card-font-max", `${((width - 2) / CARD_WIDTH_IN_EM).toFixed(2)}px`);
  }

  /**
   * While a card is dragged, remember where the pointer is. SortableJS moves its placeholder only on the
   * pointer moves it has processed (and waits for its animation), so a fast drag released right after it
   * reached a column would land in a column it passed earlier; the drop goes where the pointer is instead.
   */
  startPointerWatch() {
    this.root.classList.add("dragging");
    // The piles keep their size while a card is dragged: a pile that shrinks when the card leaves it (or grows
    // when the card passes over it) would move the grid under the pointer just before the drop.
    for (const { list } of Object.values(this.trayParts)) {
      list.style.height = `${list.offsetHeight}px`;
      list.style.overflow = "hidden";
    }
    this.pointer = null;
    this.onPointer = (event) => {
      const touch = event.changedTouches ? event.changedTouches[0] : event;
      if (touch && Number.isFinite(touch.clientX)) this.pointer = { x: touch.clientX, y: touch.clientY };
    };
    for (const type of ["pointermove", "pointerup", "mousemove", "mouseup", "touchmove", "touchend"]) {
      window.addEventListener(type, this.onPointer, { capture: true, passive: true });
    }
    this.scrollUnderFooter();
  }

  /**
   * While a card is held over the sticky footer (or just above it), the page scrolls down, faster the deeper
   * the pointer: the rows under the footer come up instead of the card being dropped under it.
   */
  scrollUnderFooter() {
    const footer = document.querySelector("#grid-phase .grid-footer");
    const step = () => {
      if (!this.root.classList.contains("dragging")) return;
      const top = footer.getBoundingClientRect().top;
      if (this.pointer && this.pointer.y > top - 24) {
        window.scrollBy(0, Math.min(24, 4 + (this.pointer.y - top + 24) / 4));
      }
      window.requestAnimationFrame(step);
    };
    window.requestAnimationFrame(step);
  }

  stopPointerWatch() {
    for (const { list } of Object.values(this.trayParts)) {
      list.style.height = "";
      list.style.overflow = "";
    }
    for (const type of ["pointermove", "pointerup", "mousemove", "mouseup", "touchmove", "touchend"]) {
      window.removeEventListener(type, this.onPointer, { capture: true });
    }
  }

  /** The place ("grid:2", "pile:agree") and index under the pointer at the drop, or null (outside any). */
  placeAtPointer(item) {
    if (!this.pointer) return null;
    const { x, y } = this.pointer;
    const stack = document.elementsFromPoint(x, y).filter((node) => !item.contains(node) && !node.classList.contains("card-dragging"));
    if (stack[0] && stack[0].closest(".grid-footer")) return { blocked: true }; // never a drop under the footer
    const under = stack.find((node) => !item.contains(node) && !node.classList.contains("card-dragging")
      && node.closest && node.closest(".column, .tray") && this.root.contains(node));
    const region = under && under.closest(".column, .tray");
    if (!region) return null;
    const list = region.querySelector(".card-list");
    const cards = [...list.querySelectorAll(":scope > .card")].filter((card) => card !== item);
    const index = cards.filter((card) => {
      const box = card.getBoundingClientRect();
      return box.top + box.height / 2 < y;
    }).length;
    return { place: list.dataset.place, index };
  }

  /** A card was dropped (SortableJS onEnd): tell the store, then render from the store. */
  dropped(event) {
    this.root.classList.remove("dragging");
    this.stopPointerWatch();
    const id = Number(event.item.dataset.id);
    let to = event.to.dataset.place;
    let index = event.newDraggableIndex;
    const atPointer = this.placeAtPointer(event.item);
    if (atPointer && atPointer.blocked) {
      this.render(); // let go over the footer: the card stays where it was
      return;
    }
    if (atPointer && atPointer.place !== to) ({ place: to, index } = atPointer);
    const { store, picker } = this.ctx;
    const before = store.revision;
    if (to.startsWith("grid:")) {
      picker.picked = id;
      picker.place(Number(to.slice(5)), index);
    } else if (to.startsWith("pile:")) {
      picker.returnToPile(id, to.slice(5));
    }
    if (store.revision === before) this.render(); // nothing changed: put the DOM back in the store's order
  }

  render() {
    const { store, t, picker } = this.ctx;
    for (const pile of PILES) {
      const { tray, count, list } = this.trayParts[pile];
      const ids = store.tray(pile);
      count.textContent = String(ids.length);
      tray.classList.toggle("empty", ids.length === 0);
      this.fill(list, ids);
    }
    // Every card placed: the (empty) piles make room for the grid. Delete on a card still sends it back.
    this.root.classList.toggle("all-placed", store.placedCount() === store.statements.size);
    const allPlaced = store.placedCount() === store.statements.size;
    for (const [score, { column, badge, list }] of this.columnParts) {
      const state = columnState(store, score);
      badge.textContent = state.badge;
      badge.title = t("columnCount", { count: state.count, height: state.height });
      column.classList.toggle("over", state.over);
      column.classList.toggle("under", !store.freeDistribution && allPlaced && state.count < state.height);
      column.classList.toggle("full", state.full);
      column.classList.toggle("target", picker.picked !== null && picker.target === score);
      this.fill(list, store.column(score));
    }
    this.root.classList.toggle("picking", picker.picked !== null);
    if (!this.root.hidden) this.matchCardWidth();
  }

  fill(list, ids) {
    const { store, t, picker } = this.ctx;
    list.replaceChildren(
      ...ids.map((id, index) => {
        const card = cardElement(store.statement(id), t, { describedBy: "keyboard-help" });
        card.tabIndex = index === 0 ? 0 : -1; // one Tab stop per list; arrows move inside it
        if (picker.picked === id) card.classList.add("picked");
        return card;
      }),
    );
  }

  focusCard(id) {
    const card = this.root.querySelector(`.card[data-id="${id}"]`);
    if (card) {
      rovingTabIndex(card);
      card.focus({ preventScroll: false });
      card.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }
}
