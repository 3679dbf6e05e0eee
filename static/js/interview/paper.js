/**
 * Paper-sort entry: check as you type and show every mistake at once (the same checks the server makes:
 * not a number, unknown number, a number twice, a number in no column, a column over- or under-full).
 * Enter moves to the next column, like Tab, and so does the space after a column's last card: a sort is typed
 * as one run of numbers and spaces, with the keyboard alone. Each column shows how many cards it holds.
 * Enter in the participant fields goes to the first column (instead of sending a form with no cards).
 */
const form = document.getElementById("paper-form");
const inputs = [...form.querySelectorAll(".paper-input")];
const count = Number(form.dataset.count);
const box = document.getElementById("paper-problems");
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_m, key) => String(values[key]));
const signed = (score) => (score > 0 ? "+" : "") + score;
const tokensOf = (input) => input.value.replace(/[,;]/g, " ").split(/\s+/).filter(Boolean);

/** "2/3" beside a column's label: full (ok) or over-full (error) as you type. */
function showCount(input, tokens) {
  const counter = document.getElementById(`count${input.dataset.score}`);
  if (!counter) return;
  const height = Number(input.dataset.height);
  counter.textContent = form.dataset.free ? String(tokens.length) : `${tokens.length}/${height}`;
  counter.dataset.state = form.dataset.free ? "" : tokens.length === height ? "full" : tokens.length > height ? "over" : "";
}

function check() {
  const problems = [];
  const seen = new Map();
  for (const input of inputs) {
    const score = Number(input.dataset.score), height = Number(input.dataset.height);
    const tokens = tokensOf(input);
    showCount(input, tokens);
    let bad = false;
    if (!form.dataset.free && tokens.length !== height) {
      problems.push(["overfull", fill(form.dataset[tokens.length > height ? "tOverfull" : "tUnderfull"],
        {score: signed(score), n: tokens.length, height})]);
      bad = tokens.length > height;
    }
    for (const token of tokens) {
      if (!/^\d+$/.test(token)) { problems.push(["notanumber", fill(form.dataset.tNotanumber, {score: signed(score), token})]); bad = true; continue; }
      const n = Number(token);
      if (n < 1 || n > count) { problems.push(["unknown", fill(form.dataset.tUnknown, {score: signed(score), n, count})]); bad = true; }
      else if (seen.has(n)) { problems.push(["duplicate", fill(form.dataset.tDuplicate, {n, first: signed(seen.get(n)), score: signed(score)})]); bad = true; }
      else seen.set(n, score);
    }
    input.classList.toggle("input-error", bad);
  }
  const typedAll = inputs.every((i) => i.value.trim());
  if (typedAll) for (let n = 1; n <= count; n++) if (!seen.has(n)) problems.push(["missing", fill(form.dataset.tMissing, {n})]);
  const list = document.createElement("ul");
  list.className = problems.length ? "notice notice-error" : "notice notice-ok";
  for (const [kind, message] of problems) {
    const li = document.createElement("li");
    li.dataset.kind = kind;
    li.textContent = message;
    list.append(li);
  }
  if (!problems.length && typedAll) list.append(Object.assign(document.createElement("li"), {textContent: form.dataset.tOk}));
  box.replaceChildren(...(problems.length || typedAll ? [list] : []));
}

function next(k) {
  if (k + 1 < inputs.length) inputs[k + 1].focus();
  else form.querySelector("button[type=submit]").focus();
}

inputs.forEach((input, k) => {
  input.addEventListener("input", check);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      next(k);
    } else if (event.key === " " && !form.dataset.free && input.selectionStart === input.value.length
               && !/\s$/.test(input.value) && tokensOf(input).length === Number(input.dataset.height)) {
      event.preventDefault(); // the column is full: the space goes on to the next one
      next(k);
    }
  });
});
for (const field of form.querySelectorAll(".who input:not([type=radio]), .who select")) {
  field.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    inputs[0].focus();
  });
}
if (inputs.some((i) => i.value)) check();
