// A tiny history-mode router: every route is served index.html by the
// server's fallback, and the links of each route exist only once this runs.
var routes = {
  "/": { title: "Shop", links: [["/products/", "Products"], ["/about", "About us"]] },
  "/products/": { title: "Products", links: [["/products/lamp", "Lamp"], ["/products/chair", "Chair"]] },
  "/products/lamp": { title: "Lamp", links: [["/products/", "All products"]] },
  "/products/chair": { title: "Chair", links: [["/products/", "All products"], ["/products/stool", "Stool"]] },
  "/products/stool": { title: "Stool", links: [["/", "Home"]] },
  "/about": { title: "About", links: [["/", "Home"]] }
};
function render() {
  var route = routes[location.pathname] || { title: "Not found", links: [] };
  document.title = route.title;
  var html = '<nav><a href="/">Shop</a></nav><main><h1>' + route.title + "</h1>";
  route.links.forEach(function (l) { html += '<a href="' + l[0] + '">' + l[1] + "</a> "; });
  // Data arrives late, as from an API.
  setTimeout(function () {
    document.getElementById("app").innerHTML = html + "</main>";
  }, 50);
}
document.addEventListener("click", function (e) {
  var a = e.target.closest("a");
  if (a && a.origin === location.origin) { e.preventDefault(); history.pushState({}, "", a.href); render(); }
});
window.addEventListener("popstate", render);
render();
