/** The replay: step through the move log (a slider, or play at ten times speed); moves after the position fade. */
const scrub = document.getElementById("replay-scrub");
if (scrub) {
  const items = [...document.querySelectorAll(".timeline li")];
  const output = document.getElementById("replay-position");
  const button = document.getElementById("replay-play");
  let timer = null;
  const show = (n) => {
    scrub.value = String(n);
    items.forEach((li, k) => li.classList.toggle("future", k >= n));
    items.forEach((li, k) => li.classList.toggle("now", k === n - 1));
    output.textContent = `${n} / ${items.length}`;
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
}
