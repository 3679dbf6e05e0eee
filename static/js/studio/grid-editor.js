// The grid editor: each column shows its score and height input on top and its cards hanging below (top-down,
// like the participant's grid), redrawn as the numbers change; changing the lowest/highest score adds or removes
// columns (keeping the heights already typed); the sum is checked against the number of statements. Without this
// script the page still works: the picture is drawn by the server and "Update columns" re-renders the page with
// the new range.

import { el } from "../shared/dom.js";

const MAX_DRAWN = 60;
const form = document.getElementById("grid-form");
const editor = document.getElementById("grid-editor");

const scoreLabel = (score) => (score > 0 ? `+${score}` : String(score));

function heightOf(input) {
  const value = parseInt(input.value, 10);
  return Number.isNaN(value) ? 0 : Math.max(0, value);
}

function drawCells(column) {
  const wanted = Math.min(heightOf(column.querySelector("input")), MAX_DRAWN);
  const cells = Array.from({ length: wanted }, () => el("span", { class: "cell" }));
  column.querySelector(".cells").replaceChildren(...cells);
}

function makeColumn(score, value) {
  const id = `height_${score}`;
  const column = el("div", { class: "grid-col", data: { score } }, [
    el("label", { class: "grid-col-score", htmlFor: id, text: scoreLabel(score) }),
    el("input", {
      type: "number", id, name: id, min: 0, max: 200, step: 1, inputMode: "numeric", value,
      attrs: { "aria-label": editor.dataset.ariaTemplate.replace("{score}", scoreLabel(score)) },
    }),
    el("div", { class: "cells", attrs: { "aria-hidden": "true" } }),
  ]);
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
