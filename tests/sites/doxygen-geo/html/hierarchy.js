var hierarchy =
[
    [ "geo::Point", "structgeo_1_1Point.html", null ],
    [ "geo::Shape", "classgeo_1_1Shape.html", [
      [ "geo::Circle", "classgeo_1_1Circle.html", null ],
      [ "geo::Polygon", "classgeo_1_1Polygon.html", null ],
      [ "geo::Rect", "classgeo_1_1Rect.html", null ]
    ] ]
];