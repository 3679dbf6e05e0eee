/** Card elements and the texts around them, shared by the presort and the grid views. */
import { el } from "./dom.js";

/** `t("placed", {card: "…"})`: a UI string from the server-rendered config with {placeholders} filled in. */
export function makeTranslator(strings) {
  return (key, params = {}) => {
    const template = strings[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}

/** A column's score as people read it: "+3", "0", "-2". */
export function scoreLabel(score) {
  return score > 0 ? `+${score}` : String(score);
}

/** The first words of a statement, for announcements and the phone's selection bar. */
export function shortText(statement, max = 70) {
  const text = statement.text.trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 15))}…`;
}

/**
 * A card: its text (wrapped; clamped to a few lines in the grid) and a small button that opens it full size.
 * The card itself is focusable so the keyboard path can pick it up.
 */
export function cardElement(statement, t, { tag = "li", describedBy = null } = {}) {
  return el(tag, {
    class: "card", data: { id: statement.id }, tabIndex: 0,
    attrs: describedBy ? { "aria-describedby": describedBy } : null,
  }, [
    // a neutral number only when the study shows numbers (paper sorts); the server never sends codes
    ...(statement.number ? [el("span", { class: "card-number", text: String(statement.number) })] : []),
    el("span", { class: "card-text", text: statement.text }),
    // tabIndex -1: keyboard users press "o" on the card instead (one tab stop per card)
    el("button", { type: "button", class: "card-open", tabIndex: -1, title: t("openCard"),
                   attrs: { "aria-label": t("openCard") }, text: "⤢" }),
  ]);
}

/** The full-size view of one card (a modal <dialog>). */
export class CardDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.text = dialog.querySelector(".dialog-text");
    this.code = dialog.querySelector(".dialog-code");
    dialog.querySelector(".dialog-close").addEventListener("click", () => this.close());
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) this.close(); // a click on the backdrop
    });
    this.returnFocus = null;
  }

  open(statement) {
    this.returnFocus = document.activeElement;
    this.text.textContent = statement.text;
    this.code.textContent = statement.number ? String(statement.number) : "";
    this.code.hidden = !statement.number;
    this.dialog.showModal();
  }

  close() {
    this.dialog.close();
    if (this.returnFocus && this.returnFocus.isConnected) this.returnFocus.focus();
  }
}

/** A polite live region: `announce("…")` is read by screen readers. */
export class Announcer {
  constructor(region) {
    this.region = region;
    this.timer = null;
  }

  announce(message) {
    // Clear first so that the same message twice in a row is read twice.
    this.region.textContent = "";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.region.textContent = message;
    }, 30);
  }
}
