// A link up to the folder's index, relative to each page.
document.addEventListener("DOMContentLoaded", function () {
  var a = document.createElement("a"); a.href = "index.html"; a.textContent = "Up"; document.querySelector("main").appendChild(a);
});
