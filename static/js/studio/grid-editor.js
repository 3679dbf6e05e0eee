// The grid editor: each column shows its cards as a stack above its height input, redrawn as the numbers
// change; changing the lowest/highest score adds or removes columns (keeping the heights already typed); the
// sum is checked against the number of statements. Without this script the page still works: the picture is
// drawn by the server and "Update columns" re-renders the page with the new range.

const MAX_DRAWN = 60;
const form = document.getElementById("grid-form");
const editor = document.getElementById("grid-editor");

const scoreLabel = (score) => (score > 0 ? `+${score}` : String(score));

function heightOf(input) {
  const value = parseInt(input.value, 10);
  return Number.isNaN(value) ? 0 : Math.max(0, value);
}

function drawCells(column) {
  const input = column.querySelector("input");
  const cells = column.querySelector(".cells");
  const wanted = Math.min(heightOf(input), MAX_DRAWN);
  const spans = [];
  for (let i = 0; i < wanted; i += 1) {
    const cell = document.createElement("span");
    cell.className = "cell";
    spans.push(cell);
  }
  cells.replaceChildren(...spans);
}

function makeColumn(score, value) {
  const column = document.createElement("div");
  column.className = "grid-col";
  column.dataset.score = String(score);
  const cells = document.createElement("div");
  cells.className = "cells";
  cells.setAttribute("aria-hidden", "true");
  const label = document.createElement("label");
  label.className = "grid-col-score";
  label.htmlFor = `height_${score}`;
  label.textContent = scoreLabel(score);
  const input = document.createElement("input");
  Object.assign(input, { type: "number", id: `height_${score}`, name: `height_${score}`, min: 0, max: 200, step: 1 });
  input.inputMode = "numeric";
  input.value = value;
  input.setAttribute("aria-label", editor.dataset.ariaTemplate.replace("{score}", scoreLabel(score)));
  column.append(cells, label, input);
  drawCells(column);
  return column;
}

function rebuildColumns() {
  const low = parseInt(form.elements.min_score.value, 10);
  const high = parseInt(form.elements.max_score.value, 10);
  if (Number.isNaN(low) || Number.isNaN(high) || low >= high || low < -7 || high > 7) return;
  const current = editor.querySelectorAll(".grid-col");
  // Nothing to do when the range is unchanged (a "change" event follows every "input" one).
  if (current.length === high - low + 1 && Number(current[0].dataset.score) === low) return;
  const typed = new Map();
  current.forEach((column) => {
    typed.set(Number(column.dataset.score), column.querySelector("input").value);
  });
  const columns = [];
  for (let score = low; score <= high; score += 1) {
    columns.push(makeColumn(score, typed.has(score) ? typed.get(score) : "1"));
  }
  editor.replaceChildren(...columns);
}

function updateSum() {
  const sumBox = document.getElementById("grid-sum");
  const n = Number(form.dataset.nStatements);
  const free = form.elements.free_distribution.checked;
  let sum = 0;
  editor.querySelectorAll("input").forEach((input) => { sum += heightOf(input); });
  const ok = free || sum === n;
  const template = free ? form.dataset.sumFree : ok ? form.dataset.sumOk : form.dataset.sumBad;
  sumBox.textContent = template.replace("{sum}", String(sum)).replace("{n}", String(n));
  sumBox.classList.toggle("good", ok);
  sumBox.classList.toggle("bad", !ok);
}

function onChange(event) {
  const name = event.target.name || "";
  if (name === "min_score" || name === "max_score") {
    rebuildColumns();
  } else if (name.startsWith("height_")) {
    drawCells(event.target.closest(".grid-col"));
  }
  updateSum();
}

if (form && editor) {
  form.addEventListener("input", onChange);
  form.addEventListener("change", onChange);
  const updateButton = document.getElementById("update-columns");
  if (updateButton) updateButton.hidden = true;
  updateSum();
}
