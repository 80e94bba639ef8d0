var group__paths =
[
    [ "geo::Polygon", "classgeo_1_1Polygon.html", [
      [ "area", "classgeo_1_1Polygon.html#a60c9e885dc55733f202b23f986de32fe", null ]
    ] ],
    [ "geo::length", "group__paths.html#gaac8ca99a44c50686da562d4727123714", null ]
];