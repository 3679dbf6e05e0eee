/**
 * The grid on a phone (up to 700 px wide): one column at a time, still the same forced sort.
 *
 * At the top an overview of all columns (score and count/height; tap to go there), then the current column
 * with its slots and prev/next buttons, then the tray of cards still to place (one pile at a time).
 * Tap a card to select it, then tap "Place here" (below the column, or in the bar that stays at the bottom
 * of the screen while a card is selected). Selection and placing go through the same CardPicker as the
 * keyboard path, so the announcements and the rules are the same.
 */
import { PILES } from "./store.js";
import { cardElement, scoreLabel, shortText } from "./cards.js";
import { columnState } from "./grid.js";

export class PhoneGrid {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.current = 0; // the score of the column on screen
    this.trayPile = null; // the pile whose cards the tray shows (null: the first with cards)
    this.build();
  }

  build() {
    const { store, t, picker } = this.ctx;
    const scores = store.grid.map((c) => c.score);
    if (!scores.includes(this.current)) this.current = scores[Math.floor(scores.length / 2)];

    this.overview = document.createElement("nav");
    this.overview.className = "phone-overview";
    this.overview.setAttribute("aria-label", t("columnsOverview"));
    this.overview.style.setProperty("--columns", String(scores.length));
    this.overviewButtons = new Map();
    for (const score of scores) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "overview-column";
      button.dataset.score = String(score);
      const label = document.createElement("span");
      label.className = "overview-score";
      label.textContent = scoreLabel(score);
      const count = document.createElement("span");
      count.className = "overview-count";
      button.append(label, count);
      button.addEventListener("click", () => this.show(score));
      this.overview.append(button);
      this.overviewButtons.set(score, { button, count });
    }
    const ends = document.createElement("div");
    ends.className = "phone-ends";
    ends.setAttribute("aria-hidden", "true");
    const least = document.createElement("span");
    least.textContent = this.ctx.labels.least;
    const most = document.createElement("span");
    most.textContent = this.ctx.labels.most;
    ends.append(least, most);

    const column = document.createElement("section");
    column.className = "phone-column";
    column.setAttribute("aria-live", "off");
    const head = document.createElement("header");
    head.className = "phone-column-head";
    this.prev = this.navButton("‹", t("previousColumn"), -1);
    this.next = this.navButton("›", t("nextColumn"), 1);
    const title = document.createElement("h3");
    title.className = "phone-column-title";
    this.title = document.createElement("span");
    this.badge = document.createElement("span");
    this.badge.className = "column-badge";
    title.append(this.title, this.badge);
    head.append(this.prev, title, this.next);
    this.endLabel = document.createElement("p");
    this.endLabel.className = "phone-column-end";
    this.columnList = document.createElement("ol");
    this.columnList.className = "phone-column-cards card-list";
    this.placeHere = document.createElement("button");
    this.placeHere.type = "button";
    this.placeHere.className = "place-here primary";
    this.placeHere.addEventListener("click", () => picker.place(this.current));
    column.append(head, this.endLabel, this.columnList, this.placeHere);
    this.column = column;

    const tray = document.createElement("section");
    tray.className = "phone-tray";
    const trayHead = document.createElement("h3");
    trayHead.className = "phone-tray-head";
    this.trayTitle = trayHead;
    const tabs = document.createElement("div");
    tabs.className = "phone-tray-piles";
    tabs.setAttribute("role", "group");
    this.trayTabs = new Map();
    for (const pile of PILES) {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.className = `tray-tab tray-tab-${pile}`;
      tab.dataset.pile = pile;
      tab.addEventListener("click", () => {
        this.trayPile = pile;
        this.render();
      });
      tabs.append(tab);
      this.trayTabs.set(pile, tab);
    }
    this.trayList = document.createElement("ol");
    this.trayList.className = "phone-tray-cards card-list";
    tray.append(trayHead, tabs, this.trayList);

    this.bar = document.createElement("div");
    this.bar.className = "phone-selection";
    this.bar.hidden = true;
    this.barText = document.createElement("p");
    this.barText.className = "phone-selection-text";
    const barRow = document.createElement("div");
    barRow.className = "phone-selection-row";
    const barPrev = this.navButton("‹", t("previousColumn"), -1);
    const barNext = this.navButton("›", t("nextColumn"), 1);
    this.barColumn = document.createElement("span");
    this.barColumn.className = "phone-selection-column";
    this.barPlace = document.createElement("button");
    this.barPlace.type = "button";
    this.barPlace.className = "primary bar-place";
    this.barPlace.addEventListener("click", () => picker.place(this.current));
    this.barBack = document.createElement("button");
    this.barBack.type = "button";
    this.barBack.className = "bar-back";
    this.barBack.textContent = t("backToPile");
    this.barBack.addEventListener("click", () => picker.returnToPile());
    const barCancel = document.createElement("button");
    barCancel.type = "button";
    barCancel.className = "bar-cancel";
    barCancel.textContent = "✕";
    barCancel.title = t("cancelSelection");
    barCancel.setAttribute("aria-label", t("cancelSelection"));
    barCancel.addEventListener("click", () => picker.cancel());
    barRow.append(barPrev, this.barColumn, barNext, this.barPlace);
    const barTop = document.createElement("div");
    barTop.className = "phone-selection-top";
    barTop.append(this.barText, barCancel);
    this.bar.append(barTop, barRow, this.barBack);

    this.root.append(this.overview, ends, column, tray, this.bar);

    // Tapping a card selects it (tapping it again lets go); the open button shows it full size.
    this.root.addEventListener("click", (event) => {
      const open = event.target.closest(".card-open");
      const card = event.target.closest(".card");
      if (!card) return;
      const id = Number(card.dataset.id);
      if (open) this.ctx.dialog.open(store.statement(id));
      else if (picker.picked === id) picker.cancel();
      else picker.pick(id, { viaKeyboard: false });
    });
  }

  navButton(text, label, delta) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "column-nav";
    button.textContent = text;
    button.title = label;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", () => this.step(delta));
    return button;
  }

  step(delta) {
    const scores = this.ctx.store.grid.map((c) => c.score);
    const i = scores.indexOf(this.current);
    this.show(scores[Math.min(scores.length - 1, Math.max(0, i + delta))]);
  }

  /** Bring column `score` on screen (and make it the picker's target). */
  show(score) {
    this.current = score;
    if (this.ctx.picker.picked !== null) this.ctx.picker.setTarget(score);
    else this.render();
  }

  render() {
    const { store, t, picker } = this.ctx;
    const scores = store.grid.map((c) => c.score);
    if (picker.picked !== null && picker.target !== null) this.current = picker.target;

    for (const [score, { button, count }] of this.overviewButtons) {
      const state = columnState(store, score);
      count.textContent = state.badge;
      button.classList.toggle("current", score === this.current);
      button.classList.toggle("over", state.over);
      button.classList.toggle("full", state.full);
      button.setAttribute("aria-current", score === this.current ? "true" : "false");
      button.setAttribute("aria-label", `${t("columnName", { column: scoreLabel(score) })}: ${t("columnCount", state)}`);
    }

    const state = columnState(store, this.current);
    this.title.textContent = t("columnName", { column: scoreLabel(this.current) });
    this.badge.textContent = state.badge;
    this.column.classList.toggle("over", state.over);
    this.column.classList.toggle("full", state.full);
    this.prev.disabled = this.current === scores[0];
    this.next.disabled = this.current === scores[scores.length - 1];
    const end = this.current === scores[0] ? this.ctx.labels.least : this.current === scores[scores.length - 1] ? this.ctx.labels.most : "";
    this.endLabel.textContent = end;
    this.endLabel.hidden = !end;

    const ids = store.column(this.current);
    const items = ids.map((id) => this.card(id));
    for (let i = ids.length; i < state.height; i += 1) {
      const slot = document.createElement("li");
      slot.className = "slot slot-empty";
      slot.setAttribute("aria-hidden", "true");
      items.push(slot);
    }
    this.columnList.replaceChildren(...items);

    const selectedPlace = picker.picked !== null ? store.placeOf(picker.picked) : null;
    const canPlace = picker.picked !== null && selectedPlace !== `grid:${this.current}`;
    const placeText = t("placeHere", { column: scoreLabel(this.current) });
    this.placeHere.textContent = placeText;
    this.placeHere.disabled = !canPlace;
    this.placeHere.hidden = picker.picked === null;

    const trayCounts = Object.fromEntries(PILES.map((p) => [p, store.tray(p).length]));
    if (this.trayPile === null || (trayCounts[this.trayPile] === 0 && picker.picked === null)) {
      this.trayPile = PILES.find((p) => trayCounts[p] > 0) || this.trayPile || PILES[0];
    }
    const left = PILES.reduce((n, p) => n + trayCounts[p], 0);
    this.trayTitle.textContent = t("trayTitle", { count: left });
    for (const [pile, tab] of this.trayTabs) {
      tab.textContent = `${this.ctx.pileName(pile)} (${trayCounts[pile]})`;
      tab.setAttribute("aria-pressed", String(pile === this.trayPile));
    }
    const trayIds = store.tray(this.trayPile);
    this.trayList.replaceChildren(...trayIds.map((id) => this.card(id)));
    if (!trayIds.length) {
      const empty = document.createElement("li");
      empty.className = "tray-empty";
      empty.textContent = left ? t("emptyPile") : t("allPlaced");
      this.trayList.append(empty);
    }

    this.bar.hidden = picker.picked === null;
    this.root.classList.toggle("selecting", picker.picked !== null);
    if (picker.picked !== null) {
      this.barText.textContent = shortText(store.statement(picker.picked), 90);
      this.barColumn.textContent = `${scoreLabel(this.current)} · ${state.badge}`;
      this.barPlace.textContent = t("placeHereShort");
      this.barPlace.disabled = !canPlace;
      this.barBack.hidden = !selectedPlace.startsWith("grid:");
    }
  }

  card(id) {
    const { store, t, picker } = this.ctx;
    const card = cardElement(store.statement(id), t, { describedBy: "keyboard-help" });
    if (picker.picked === id) card.classList.add("picked");
    return card;
  }

  focusCard(id) {
    const card = this.root.querySelector(`.card[data-id="${id}"]`);
    if (card) card.focus({ preventScroll: true });
  }
}
