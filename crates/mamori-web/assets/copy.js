// Copy buttons: a button with data-copy="ID" copies the text of the element with that id and
// says so for a moment. Without the clipboard (or this script) the text can still be selected.
(function () {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener("click", () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(() => {
        button.textContent = button.dataset.done || label;
        setTimeout(() => (button.textContent = label), 1500);
      });
    });
  });
})();
