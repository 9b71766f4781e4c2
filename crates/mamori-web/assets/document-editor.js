// The document editor as the owner types: after a short pause (or any change of a checkbox or
// the language) the form is sent to the preview address and the answer replaces the preview;
// after a longer pause the draft is saved, so nothing typed is lost. Saving clears an
// approval, as any change does. The page works without this script (the save button).
(function () {
  const form = document.getElementById("draft-form");
  const preview = document.getElementById("preview");
  const status = document.getElementById("autosave-status");
  if (!form || !preview || !window.fetch) return;
  let previewTimer = null;
  let saveTimer = null;
  let sent = 0;
  const body = () => new URLSearchParams(new FormData(form));
  const refresh = () => {
    const mine = ++sent;
    fetch(form.dataset.preview, { method: "POST", body: body(), credentials: "same-origin" })
      .then((response) => response.text())
      .then((html) => {
        if (mine === sent) preview.innerHTML = html;
      })
      .catch(() => {});
  };
  const save = () => {
    fetch(form.action, { method: "POST", body: body(), credentials: "same-origin" })
      .then((response) => {
        if (status) status.textContent = response.ok ? status.dataset.saved : status.dataset.failed;
      })
      .catch(() => {
        if (status) status.textContent = status.dataset.failed;
      });
  };
  const later = () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refresh, 400);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 2000);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", () => clearTimeout(saveTimer));
})();
