// Copy buttons: <button data-copy="text" data-copied="Copied">. Copies the text to the clipboard and says so
// on the button for two seconds; where the clipboard API is unavailable (plain http), selects the text in a
// temporary field and uses the older copy command.
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  const field = document.createElement("textarea");
  field.value = text;
  field.setAttribute("readonly", "");
  field.className = "visually-hidden";
  document.body.appendChild(field);
  field.select();
  const ok = document.execCommand("copy");
  field.remove();
  return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  copyText(button.dataset.copy).then(
    () => { button.textContent = button.dataset.copied || "Copied"; button.classList.add("copied"); },
    () => { window.prompt("", button.dataset.copy); },
  ).finally(() => {
    setTimeout(() => { button.textContent = label; button.classList.remove("copied"); }, 2000);
  });
});
