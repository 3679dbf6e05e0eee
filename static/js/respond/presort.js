/**
 * Phase 1, the presort: one card at a time onto three piles (more important / neutral / less important),
 * by click, tap or the keys 1/2/3; undo; a pile can be opened to move a card to another pile.
 */
import { PILES } from "./store.js";
import { cardElement, shortText } from "./cards.js";
import { el } from "./dom.js";

const KEYS = { 1: "agree", 2: "neutral", 3: "disagree" };

export class PresortView {
  /**
   * @param {HTMLElement} root   #presort-phase (markup in templates/respond/sort.html)
   * @param {object} ctx         {store, t, pileName(pile), announcer, dialog, onContinue}
   */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.deckSlot = root.querySelector("#deck-card");
    this.deckDone = root.querySelector("#deck-done");
    this.progress = root.querySelector("#presort-progress");
    this.count = root.querySelector("#presort-count");
    this.undoButton = root.querySelector("#presort-undo");
    this.continueButton = root.querySelector("#presort-continue");
    this.pilesBox = root.querySelector("#piles");
    this.openPiles = new Set();

    for (const button of root.querySelectorAll(".pile-btn")) {
      button.querySelector(".pile-name").textContent = ctx.pileName(button.dataset.pile);
      button.addEventListener("click", () => this.putCurrent(button.dataset.pile));
    }
    this.undoButton.addEventListener("click", () => this.undo());
    this.continueButton.addEventListener("click", () => ctx.onContinue());
    this.onKey = (event) => this.handleKey(event);
    this.buildPiles();
  }

  activate() {
    document.addEventListener("keydown", this.onKey);
    this.render();
  }

  deactivate() {
    document.removeEventListener("keydown", this.onKey);
  }

  /** Put the card on top of the deck on a pile. */
  putCurrent(pile) {
    const [id] = this.ctx.store.deck();
    if (id === undefined) return;
    this.ctx.store.presortCard(id, pile);
    const next = this.ctx.store.deck()[0];
    const { t } = this.ctx;
    const nextText = next === undefined ? t("allPresorted") : shortText(this.ctx.store.statement(next));
    this.ctx.announcer.announce(`${t("putOnPile", { pile: this.ctx.pileName(pile) })} ${nextText}`);
  }

  undo() {
    const undone = this.ctx.store.undo();
    if (undone) {
      this.ctx.announcer.announce(this.ctx.t("undone", { card: shortText(this.ctx.store.statement(undone.id)) }));
    }
  }

  handleKey(event) {
    if (event.defaultPrevented || event.altKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select, dialog")) return;
    if ((event.ctrlKey && event.key.toLowerCase() === "z") || (!event.ctrlKey && event.key === "Backspace")) {
      event.preventDefault();
      this.undo();
    } else if (!event.ctrlKey && KEYS[event.key]) {
      event.preventDefault();
      this.putCurrent(KEYS[event.key]);
    }
  }

  buildPiles() {
    this.pileParts = {};
    for (const pile of PILES) {
      const count = el("span", { class: "pile-count" });
      const toggle = el("button", {
        type: "button", class: "pile-toggle", attrs: { "aria-expanded": "false", "aria-controls": `pile-list-${pile}` },
        on: {
          click: () => {
            if (this.openPiles.has(pile)) this.openPiles.delete(pile);
            else this.openPiles.add(pile);
            this.render();
          },
        },
      }, [el("span", { class: "pile-title", text: this.ctx.pileName(pile) }), count]);
      const list = el("ol", { class: "pile-list", id: `pile-list-${pile}`, hidden: true });
      this.pilesBox.append(el("section", { class: `pile pile-${pile}` }, [toggle, list]));
      this.pileParts[pile] = { toggle, count, list };
    }
  }

  render() {
    const { store, t } = this.ctx;
    const total = store.statements.size;
    const left = store.deck();
    const done = total - left.length;
    this.progress.max = total;
    this.progress.value = done;
    this.count.textContent = t("presortProgress", { done, total });

    this.deckSlot.replaceChildren();
    if (left.length) {
      const card = cardElement(store.statement(left[0]), t, { tag: "div" });
      card.classList.add("card-current");
      card.tabIndex = -1;
      card.querySelector(".card-open").addEventListener("click", () => this.ctx.dialog.open(store.statement(left[0])));
      this.deckSlot.append(card);
    }
    this.deckSlot.hidden = left.length === 0;
    this.deckDone.hidden = left.length !== 0;
    for (const button of this.root.querySelectorAll(".pile-btn")) button.disabled = left.length === 0;
    this.undoButton.disabled = !store.canUndo();
    this.continueButton.disabled = left.length !== 0;
    this.continueButton.classList.toggle("ready", left.length === 0);

    for (const pile of PILES) this.renderPile(pile);
  }

  renderPile(pile) {
    const { store, t } = this.ctx;
    const { toggle, count, list } = this.pileParts[pile];
    const ids = store.pile(pile);
    const open = this.openPiles.has(pile);
    count.textContent = String(ids.length);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.title = open ? t("hidePile") : t("showPile");
    list.hidden = !open;
    list.replaceChildren();
    if (!open) return;
    if (!ids.length) list.append(el("li", { class: "pile-empty", text: t("emptyPile") }));
    for (const id of ids) {
      const moveTo = (other) => () => {
        store.presortCard(id, other);
        this.ctx.announcer.announce(t("movedToPile", { card: shortText(store.statement(id)), pile: this.ctx.pileName(other) }));
        // keep the keyboard user in the list they were working in
        const again = list.querySelector("button");
        if (again) again.focus();
        else toggle.focus();
      };
      const moves = PILES.filter((p) => p !== pile).map((other) => el("button", {
        type: "button", class: `move-to move-to-${other}`, data: { pile: other },
        text: t("moveTo", { pile: this.ctx.pileName(other) }), on: { click: moveTo(other) },
      }));
      list.append(el("li", { class: "pile-item", data: { id } }, [
        el("span", { class: "pile-item-text", text: store.statement(id).text }),
        el("span", { class: "pile-item-actions" }, moves),
      ]));
    }
  }
}
