// Each tool page links to its own details page: a different link on every page.
document.addEventListener("DOMContentLoaded", function () {
  var a = document.createElement("a"); a.href = location.pathname.replace(".html", "-details.html");
  a.textContent = "Details"; document.querySelector("main").appendChild(a);
});
