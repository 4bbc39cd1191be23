// A little progress for slow forms: the button says it is working and cannot be pressed twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = form.querySelector("button[type=submit]");
  if (form.dataset.busy && button) {
    button.disabled = true;
    button.textContent = form.dataset.busy;
  }
});
