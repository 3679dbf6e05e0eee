/**
 * The replay: step through the move log with a slider, or play it (ten times faster than it happened, gaps
 * capped at 2 s). Beside the list, the grid and piles as they were at that moment; later moves and notes fade.
 */
const scrub = document.getElementById("replay-scrub");
if (scrub) {
  const items = [...document.querySelectorAll(".timeline li")];
  const notes = [...document.querySelectorAll(".note-list .note[data-seconds]")];
  const output = document.getElementById("replay-position");
  const button = document.getElementById("replay-play");
  const gridBox = document.getElementById("replay-grid");
  const scores = JSON.parse(gridBox.dataset.grid || "[]");
  let timer = null;

  const drawGrid = (n) => {
    const where = new Map();
    for (const li of items.slice(0, n)) where.set(li.dataset.statement, [li.dataset.to, li.dataset.number]);
    const columns = new Map(scores.map((s) => [`grid:${s}`, []]));
    for (const [, [place, number]] of where) if (columns.has(place)) columns.get(place).push(number);
    gridBox.replaceChildren(...scores.map((s) => {
      const col = document.createElement("div");
      col.className = "live-column";
      const head = document.createElement("div");
      head.className = "live-score";
      head.textContent = (s > 0 ? "+" : "") + s;
      col.append(head);
      for (const number of columns.get(`grid:${s}`)) {
        const card = document.createElement("span");
        card.className = "live-card";
        card.textContent = "#" + number;
        col.append(card);
      }
      return col;
    }));
  };
  const show = (n) => {
    scrub.value = String(n);
    items.forEach((li, k) => { li.classList.toggle("future", k >= n); li.classList.toggle("now", k === n - 1); });
    const until = n ? Number(items[n - 1].dataset.seconds) : -Infinity;
    notes.forEach((note) => note.classList.toggle("future", Number(note.dataset.seconds) > until && n < items.length));
    output.textContent = `${n} / ${items.length}`;
    drawGrid(n);
  };
  const stop = () => { clearTimeout(timer); timer = null; button.textContent = button.dataset.play; };
  const step = (n) => {
    show(n);
    if (n >= items.length) return stop();
    const gap = (Number(items[n].dataset.seconds) - Number(items[Math.max(0, n - 1)].dataset.seconds)) * 100;
    timer = setTimeout(() => step(n + 1), Math.min(Math.max(gap, 150), 2000));
  };
  scrub.addEventListener("input", () => { stop(); show(Number(scrub.value)); });
  button.addEventListener("click", () => {
    if (timer) return stop();
    button.textContent = button.dataset.pause;
    step(Number(scrub.value) >= items.length ? 0 : Number(scrub.value));
  });
  show(items.length);
}
