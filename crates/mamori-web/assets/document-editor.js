// Live preview for the document editor: after a short pause in typing (or any change of a
// checkbox or the language), the form is sent to the preview address and the answer replaces
// the preview. Nothing is saved until the owner presses "save"; the page works without it.
(function () {
  const form = document.getElementById("draft-form");
  const preview = document.getElementById("preview");
  if (!form || !preview || !window.fetch) return;
  let timer = null;
  let sent = 0;
  const refresh = () => {
    const mine = ++sent;
    fetch(form.dataset.preview, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
    })
      .then((response) => response.text())
      .then((html) => {
        if (mine === sent) preview.innerHTML = html;
      })
      .catch(() => {});
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
