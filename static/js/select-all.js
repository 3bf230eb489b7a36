// "Tout sélectionner" checkboxes: a box with data-select-all ticks every pathway of its form.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("[data-select-all]")) return;
  box.form.querySelectorAll("input[name='r-pathways']").forEach(function (c) { c.checked = box.checked; });
});
