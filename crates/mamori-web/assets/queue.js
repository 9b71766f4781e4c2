// Keyboard shortcuts for the alert queue: j/k move between alerts, x ticks the current
// one, o or Enter opens it, a acknowledges the ticked alerts. The page works without it.
(function () {
  const rows = Array.from(document.querySelectorAll("tr.alert-row"));
  if (rows.length === 0) return;
  let current = 0;
  const focus = (i) => {
    rows[current].classList.remove("current");
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].classList.add("current");
    rows[current].scrollIntoView({ block: "nearest" });
  };
  focus(0);
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    const box = rows[current].querySelector("input[type=checkbox]");
    switch (event.key) {
      case "j": focus(current + 1); break;
      case "k": focus(current - 1); break;
      case "x": if (box) box.checked = !box.checked; break;
      case "o": case "Enter": window.location = rows[current].dataset.href; break;
      case "a": {
        const form = document.getElementById("bulk");
        if (!form) return;
        if (!form.querySelector("input[type=checkbox]:checked") && box) box.checked = true;
        form.querySelector("select[name=action]").value = "acknowledge";
        form.submit();
        break;
      }
      default: return;
    }
    event.preventDefault();
  });
})();
