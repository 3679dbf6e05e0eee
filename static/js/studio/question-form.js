// Show only the question fields that the chosen type uses (options, number range, Likert points).
// Without this script every field shows and the server ignores the ones the type does not use.
for (const kind of document.querySelectorAll("[data-question-kind]")) {
  const form = kind.closest("form");
  const update = () => {
    form.querySelectorAll("[data-kinds]").forEach((block) => {
      block.hidden = !block.dataset.kinds.split(" ").includes(kind.value);
    });
  };
  kind.addEventListener("change", update);
  update();
}
