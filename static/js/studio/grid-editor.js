// The grid editor's live picture: as the lowest/highest score or a height changes, the columns are redrawn
// and the sum is checked against the number of statements. The form works without this script (the
// "Update columns" button re-renders the page on the server); with it, that button is not needed.

const form = document.getElementById("grid-form");

function scoreLabel(score) {
  return score > 0 ? `+${score}` : String(score);
}

function currentHeights() {
  const heights = new Map();
  form.querySelectorAll('#grid-heights input[name^="height_"]').forEach((input) => {
    heights.set(Number(input.name.slice("height_".length)), input.value);
  });
  return heights;
}

function range() {
  const low = parseInt(form.elements.min_score.value, 10);
  const high = parseInt(form.elements.max_score.value, 10);
  if (Number.isNaN(low) || Number.isNaN(high) || low >= high || low < -7 || high > 7) return null;
  const scores = [];
  for (let score = low; score <= high; score += 1) scores.push(score);
  return scores;
}

// Rebuild the height inputs for the current range, keeping the heights already typed.
function rebuildInputs(scores) {
  const box = document.getElementById("grid-heights");
  const old = currentHeights();
  const template = box.querySelector("label");
  const ariaTemplate = template ? template.querySelector("input").getAttribute("aria-label") : "";
  const oldScore = template ? template.querySelector("input").name.slice("height_".length) : "";
  box.replaceChildren(...scores.map((score) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    Object.assign(input, { type: "number", name: `height_${score}`, min: 0, max: 200, step: 1 });
    input.inputMode = "numeric";
    input.value = old.has(score) ? old.get(score) : "1";
    input.setAttribute("aria-label", ariaTemplate.replace(scoreLabel(Number(oldScore)), scoreLabel(score)));
    label.append(scoreLabel(score), input);
    return label;
  }));
}

function drawPicture() {
  const picture = document.getElementById("grid-picture");
  const heights = currentHeights();
  picture.replaceChildren(...Array.from(heights, ([score, value]) => {
    const column = document.createElement("div");
    column.className = "column";
    const label = document.createElement("div");
    label.className = "score";
    label.textContent = scoreLabel(score);
    column.append(label);
    const height = Math.max(0, Math.min(200, parseInt(value, 10) || 0));
    for (let i = 0; i < height; i += 1) {
      const cell = document.createElement("div");
      cell.className = "cell";
      column.append(cell);
    }
    const count = document.createElement("div");
    count.className = "count";
    count.textContent = String(height);
    column.append(count);
    return column;
  }));
}

function updateSum() {
  const sumBox = document.getElementById("grid-sum");
  const n = Number(form.dataset.nStatements);
  const free = form.elements.free_distribution.checked;
  let sum = 0;
  currentHeights().forEach((value) => { sum += parseInt(value, 10) || 0; });
  const ok = free || sum === n;
  const template = free ? form.dataset.sumFree : ok ? form.dataset.sumOk : form.dataset.sumBad;
  sumBox.textContent = template.replace("{sum}", String(sum)).replace("{n}", String(n));
  sumBox.classList.toggle("good", ok);
  sumBox.classList.toggle("bad", !ok);
}

function refresh(event) {
  if (event && (event.target.name === "min_score" || event.target.name === "max_score")) {
    const scores = range();
    if (scores) rebuildInputs(scores);
  }
  drawPicture();
  updateSum();
}

if (form) {
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  const updateButton = document.getElementById("update-columns");
  if (updateButton) updateButton.hidden = true;
  refresh();
}
