// The site's whole navigation is built here: the HTML files hold no nav links.
document.addEventListener("DOMContentLoaded", function () {
  var nav = document.createElement("nav");
  [["/", "Home"], ["/guides/", "Guides"], ["/blog/", "Blog"]].forEach(function (item) {
    var a = document.createElement("a");
    a.href = item[0];
    a.textContent = item[1];
    nav.appendChild(a);
  });
  document.body.insertBefore(nav, document.body.firstChild);
  // Related posts arrive later, as a widget loaded after a fetch would be.
  setTimeout(function () {
    var box = document.getElementById("related");
    if (box) box.innerHTML = '<a href="/guides/seo/">Related: <b>SEO</b> guide</a>';
  }, 150);
});
