// The same sidebar on every docs page, built from one list.
document.addEventListener("DOMContentLoaded", function () {
  var side = document.getElementById("side");
  [["/docs/a.html", "A"], ["/docs/b.html", "B"], ["/docs/c.html", "C"], ["/docs/missing.html", "Gone"]].forEach(function (item) {
    var a = document.createElement("a"); a.href = item[0]; a.textContent = item[1]; side.appendChild(a);
  });
});
