/**
 * The grid on a phone (up to 700 px wide): one column at a time, still the same forced sort.
 *
 * At the top an overview of all columns (score and count/height; tap to go there), then the current column
 * with its slots and prev/next buttons, then the tray of cards still to place (one pile at a time).
 * Tap a card to select it, then tap "Place here" (below the column, or in the bar that stays at the bottom
 * of the screen while a card is selected). Selection and placing go through the same CardPicker as the
 * keyboard path, so the announcements and the rules are the same.
 *
 * The whole sort at a glance (openReview): every column with its cards in one line each, over- and under-full
 * columns marked; a tap on a card selects it in its column to move it. Continue on a phone opens it first,
 * so the participant sees the whole sort before it is submitted; its own Continue button submits.
 */
import { PILES, columnState } from "./store.js";
import { cardElement, scoreLabel, shortText } from "./cards.js";
import { el } from "./dom.js";

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

    this.overviewButtons = new Map();
    this.overview = el("nav", {
      class: "phone-overview", attrs: { "aria-label": t("columnsOverview") }, style: { "--columns": scores.length },
    }, scores.map((score) => {
      const count = el("span", { class: "overview-count" });
      const button = el("button", { type: "button", class: "overview-column", data: { score }, on: { click: () => this.show(score) } },
                        [el("span", { class: "overview-score", text: scoreLabel(score) }), count]);
      this.overviewButtons.set(score, { button, count });
      return button;
    }));
    const ends = el("div", { class: "phone-ends", attrs: { "aria-hidden": "true" } }, [
      el("span", { text: this.ctx.labels.least }),
      el("span", { text: this.ctx.labels.most }),
    ]);

    this.prev = this.navButton("‹", t("previousColumn"), -1);
    this.next = this.navButton("›", t("nextColumn"), 1);
    this.title = el("span");
    this.badge = el("span", { class: "column-badge" });
    this.endLabel = el("p", { class: "phone-column-end" });
    this.columnList = el("ol", { class: "phone-column-cards card-list" });
    this.placeHere = el("button", { type: "button", class: "place-here primary", on: { click: () => picker.place(this.current) } });
    this.column = el("section", { class: "phone-column", attrs: { "aria-live": "off" } }, [
      el("header", { class: "phone-column-head" }, [
        this.prev, el("h3", { class: "phone-column-title" }, [this.title, this.badge]), this.next,
      ]),
      this.endLabel, this.columnList, this.placeHere,
    ]);

    this.trayTitle = el("h3", { class: "phone-tray-head" });
    this.trayTabs = new Map();
    const tabs = el("div", { class: "phone-tray-piles", attrs: { role: "group" } }, PILES.map((pile) => {
      const tab = el("button", {
        type: "button", class: `tray-tab tray-tab-${pile}`, data: { pile },
        on: {
          click: () => {
            this.trayPile = pile;
            this.render();
          },
        },
      });
      this.trayTabs.set(pile, tab);
      return tab;
    }));
    this.trayList = el("ol", { class: "phone-tray-cards card-list" });
    const tray = el("section", { class: "phone-tray" }, [this.trayTitle, tabs, this.trayList]);

    this.barText = el("p", { class: "phone-selection-text" });
    this.barColumn = el("span", { class: "phone-selection-column" });
    this.barPlace = el("button", { type: "button", class: "primary bar-place", on: { click: () => picker.place(this.current) } });
    this.barBack = el("button", { type: "button", class: "bar-back", text: t("backToPile"),
                                  on: { click: () => picker.returnToPile() } });
    const barCancel = el("button", { type: "button", class: "bar-cancel", text: "✕", title: t("cancelSelection"),
                                     attrs: { "aria-label": t("cancelSelection") }, on: { click: () => picker.cancel() } });
    this.bar = el("div", { class: "phone-selection", hidden: true }, [
      el("div", { class: "phone-selection-top" }, [this.barText, barCancel]),
      el("div", { class: "phone-selection-row" }, [
        this.navButton("‹", t("previousColumn"), -1), this.barColumn, this.navButton("›", t("nextColumn"), 1), this.barPlace,
      ]),
      this.barBack,
    ]);

    this.reviewOpen = el("button", { type: "button", class: "secondary review-open", text: t("reviewOpen"),
                                     on: { click: () => this.openReview() } });
    this.buildReview();
    this.root.append(this.overview, ends, this.reviewOpen, this.column, tray, this.bar, this.review);

    // Tapping a card selects it (tapping it again lets go); the open button shows it full size.
    this.root.addEventListener("click", (event) => {
      if (event.target.closest(".phone-review")) return;
      const open = event.target.closest(".card-open");
      const card = event.target.closest(".card");
      if (!card) return;
      const id = Number(card.dataset.id);
      if (open) this.ctx.dialog.open(store.statement(id));
      else if (picker.picked === id) picker.cancel();
      else picker.pick(id, { viaKeyboard: false });
    });
  }

  /** The whole sort in one view (hidden until openReview): columns from most to least important. */
  buildReview() {
    const { t } = this.ctx;
    this.reviewColumns = el("div", { class: "review-columns" });
    this.reviewNote = el("p", { class: "review-note" });
    this.reviewContinue = el("button", { type: "button", class: "primary review-continue", text: t("reviewContinue"),
                                         on: { click: () => this.ctx.onSubmit() } });
    this.review = el("section", {
      class: "phone-review", hidden: true, tabIndex: -1, attrs: { "aria-labelledby": "phone-review-title" },
    }, [
      el("div", { class: "review-head" }, [
        el("h2", { id: "phone-review-title", text: t("reviewTitle") }),
        el("button", { type: "button", class: "secondary review-back", text: t("reviewBack"),
                       on: { click: () => this.closeReview() } }),
      ]),
      el("p", { class: "review-intro", text: t("reviewIntro") }),
      this.reviewColumns, this.reviewNote, this.reviewContinue,
    ]);
    this.review.addEventListener("click", (event) => {
      const card = event.target.closest(".review-card");
      const column = event.target.closest(".review-column-head");
      if (card) {
        // to its column, selected: the bar below offers the other columns and "Back to its pile"
        this.closeReview();
        this.ctx.picker.pick(Number(card.dataset.id), { viaKeyboard: false });
      } else if (column) {
        this.closeReview();
        this.show(Number(column.dataset.score));
      }
    });
  }

  openReview() {
    if (this.ctx.picker.picked !== null) this.ctx.picker.cancel();
    this.reviewing = true;
    this.render();
    this.review.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  closeReview() {
    this.reviewing = false;
    this.render();
    window.scrollTo(0, 0);
  }

  renderReview() {
    const { store, t } = this.ctx;
    const scores = store.grid.map((c) => c.score).reverse(); // most important first, like a ranking
    this.reviewColumns.replaceChildren(...scores.map((score) => {
      const state = columnState(store, score);
      const under = !store.freeDistribution && state.count < state.height;
      const mark = state.over ? t("columnExtra", { count: state.count - state.height })
        : under ? t("columnMissing", { count: state.height - state.count }) : "";
      const end = score === scores[0] ? this.ctx.labels.most : score === scores[scores.length - 1] ? this.ctx.labels.least : "";
      const cards = store.column(score).map((id) => el("li", {}, [
        el("button", { type: "button", class: "review-card", data: { id }, text: store.statement(id).text,
                       title: store.statement(id).text }),
      ]));
      for (let i = state.count; i < state.height; i += 1) {
        cards.push(el("li", { class: "review-empty", attrs: { "aria-hidden": "true" } }));
      }
      return el("section", {
        class: `review-column${state.over ? " over" : ""}${under ? " under" : ""}${state.full ? " full" : ""}`,
        data: { score },
      }, [
        el("button", {
          type: "button", class: "review-column-head", data: { score },
          attrs: { "aria-label": [t("columnName", { column: scoreLabel(score) }), t("columnCount", state), mark, end]
            .filter(Boolean).join(". ") },
        }, [
          el("span", { class: "review-score", text: scoreLabel(score) }),
          el("span", { class: "column-badge", text: state.badge }),
          ...(mark ? [el("span", { class: "review-mark", text: mark })] : []),
          ...(end ? [el("span", { class: "review-end", text: end })] : []),
        ]),
        el("ol", { class: "review-cards" }, cards),
      ]);
    }));
    const complete = store.isComplete();
    this.reviewNote.textContent = complete ? "" : t("reviewIncomplete");
    this.reviewNote.hidden = complete;
    this.reviewContinue.disabled = !complete;
  }

  /** A control outside this view asks to continue: on a phone, the whole sort is shown first. */
  beforeSubmit() {
    if (this.reviewing) return true;
    this.openReview();
    return false;
  }

  navButton(text, label, delta) {
    return el("button", { type: "button", class: "column-nav", text, title: label, attrs: { "aria-label": label },
                          on: { click: () => this.step(delta) } });
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
    this.root.classList.toggle("reviewing", Boolean(this.reviewing));
    this.review.hidden = !this.reviewing;
    if (this.reviewing) this.renderReview();

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
      items.push(el("li", { class: "slot slot-empty", attrs: { "aria-hidden": "true" } }));
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
      this.trayList.append(el("li", { class: "tray-empty", text: left ? t("emptyPile") : t("allPlaced") }));
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
