/**
 * The replay: the move log as a timeline beside the notes. Step through it (◀ ▶, the slider, the arrow keys on
 * the slider, a click on a move or on a note) or play it (ten times faster than it happened, gaps capped at
 * 2 s). Above the list, the piles and the grid as they were at the chosen moment: each card is where its last
 * move up to then took it. Later moves and notes fade; the move and the notes of the moment are marked.
 */
const scrub = document.getElementById("replay-scrub");
if (scrub) {
  const items = [...document.querySelectorAll(".timeline li")];
  const notes = [...document.querySelectorAll(".note-list .note[data-seconds]")];
  const output = document.getElementById("replay-position");
  const moment = document.getElementById("replay-moment");
  const button = document.getElementById("replay-play");
  const gridBox = document.getElementById("replay-grid");
  const pilesBox = document.getElementById("replay-piles");
  const scores = JSON.parse(gridBox.dataset.grid || "[]");
  const pileLabels = JSON.parse(pilesBox.dataset.labels || "{}");
  const total = Number(gridBox.dataset.count);
  let timer = null;

  const el = (tag, className, text) => Object.assign(document.createElement(tag), {className, textContent: text ?? ""});
  const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
  const secondsOf = (n) => (n ? Number(items[n - 1].dataset.seconds) : 0);

  /** statement id -> [place, number] after the first ``n`` moves. */
  function placesAfter(n) {
    const where = new Map();
    for (const li of items.slice(0, n)) where.set(li.dataset.statement, [li.dataset.to, li.dataset.number]);
    return where;
  }

  function draw(n) {
    const where = placesAfter(n);
    const moved = n ? items[n - 1].dataset.statement : null;
    const card = (id, number) => {
      const node = el("span", "live-card" + (id === moved ? " just-moved" : ""), "#" + number);
      node.dataset.statement = id;
      return node;
    };
    const piles = {agree: [], neutral: [], disagree: []};
    const columns = new Map(scores.map((s) => [`grid:${s}`, []]));
    for (const [id, [place, number]] of where) {
      if (columns.has(place)) columns.get(place).push([id, number]);
      else if (place.startsWith("pile:") && piles[place.slice(5)]) piles[place.slice(5)].push([id, number]);
    }
    const inDeck = total - [...where.values()].filter(([place]) => place !== "deck").length;
    const deck = el("div", "live-pile pile-deck");
    deck.dataset.place = "deck";
    deck.append(el("div", "live-score", `${pileLabels.deck} (${inDeck})`));
    pilesBox.replaceChildren(deck, ...Object.entries(piles).map(([pile, cards]) => {
      const box = el("div", "live-pile pile-" + pile);
      box.dataset.place = "pile:" + pile;
      box.append(el("div", "live-score", `${pileLabels[pile]} (${cards.length})`), ...cards.map(([id, number]) => card(id, number)));
      return box;
    }));
    gridBox.replaceChildren(...scores.map((s) => {
      const col = el("div", "live-column");
      col.dataset.score = String(s);
      col.append(el("div", "live-score", (s > 0 ? "+" : "") + s), ...columns.get(`grid:${s}`).map(([id, number]) => card(id, number)));
      return col;
    }));
  }

  function show(n) {
    scrub.value = String(n);
    items.forEach((li, k) => { li.classList.toggle("future", k >= n); li.classList.toggle("now", k === n - 1); });
    const until = n ? secondsOf(n) : -Infinity;
    const nextAt = n < items.length ? Number(items[n].dataset.seconds) : Infinity;
    notes.forEach((note) => {
      const at = Number(note.dataset.seconds);
      note.classList.toggle("future", at > until && n < items.length);
      note.classList.toggle("now", n > 0 && at >= until && at < nextAt);
    });
    output.textContent = output.dataset.template.replace("{n}", n).replace("{count}", items.length);
    moment.textContent = n ? `${clock(secondsOf(n))} · ${items[n - 1].querySelector(".what").textContent} · `
      + items[n - 1].querySelector(".where").textContent : "";
    if (n) items[n - 1].scrollIntoView({block: "nearest"});
    draw(n);
  }

  const stop = () => { clearTimeout(timer); timer = null; button.textContent = button.dataset.play; };
  const go = (n) => { stop(); show(Math.max(0, Math.min(items.length, n))); };
  const play = (n) => {
    show(n);
    if (n >= items.length) return stop();
    const gap = (Number(items[n].dataset.seconds) - Number(items[Math.max(0, n - 1)].dataset.seconds)) * 100;
    timer = setTimeout(() => play(n + 1), Math.min(Math.max(gap, 150), 2000));
  };

  scrub.addEventListener("input", () => go(Number(scrub.value)));
  document.getElementById("replay-prev").addEventListener("click", () => go(Number(scrub.value) - 1));
  document.getElementById("replay-next").addEventListener("click", () => go(Number(scrub.value) + 1));
  items.forEach((li, k) => li.addEventListener("click", () => go(k + 1)));
  /** A note: the sort as it was when it was written (after the last move made before it). */
  const toNote = (note) => go(items.filter((li) => Number(li.dataset.seconds) <= Number(note.dataset.seconds)).length);
  notes.forEach((note) => {
    note.addEventListener("click", () => toNote(note));
    note.addEventListener("keydown", (event) => { if (event.key === "Enter") toNote(note); });
  });
  button.addEventListener("click", () => {
    if (timer) return stop();
    button.textContent = button.dataset.pause;
    play(Number(scrub.value) >= items.length ? 0 : Number(scrub.value));
  });
  show(items.length);
}
