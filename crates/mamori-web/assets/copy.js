// Copy buttons: a button with data-copy="ID" copies the text (or a field's value) of the
// element with that id and says so for a moment. The clipboard API needs a secure page
// (HTTPS or localhost); elsewhere the text is selected and copied the older way. Without this
// script the buttons stay hidden and the text can still be selected by hand.
(function () {
  const copyOld = (source) => {
    const range = document.createRange();
    if (source instanceof HTMLInputElement) {
      source.select();
    } else {
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  };
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener("click", () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      const text = (source instanceof HTMLInputElement ? source.value : source.textContent).trim();
      const copied = navigator.clipboard ? navigator.clipboard.writeText(text) : copyOld(source);
      copied
        .then(() => {
          button.textContent = button.dataset.done || label;
          setTimeout(() => (button.textContent = label), 1500);
        })
        .catch(() => copyOld(source).catch(() => {}));
    });
  });
})();
