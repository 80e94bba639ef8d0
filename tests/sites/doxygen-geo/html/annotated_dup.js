var annotated_dup =
[
    [ "geo", "namespacegeo.html", [
      [ "Circle", "classgeo_1_1Circle.html", "classgeo_1_1Circle" ],
      [ "Point", "structgeo_1_1Point.html", "structgeo_1_1Point" ],
      [ "Polygon", "classgeo_1_1Polygon.html", "classgeo_1_1Polygon" ],
      [ "Rect", "classgeo_1_1Rect.html", "classgeo_1_1Rect" ],
      [ "Shape", "classgeo_1_1Shape.html", "classgeo_1_1Shape" ]
    ] ]
];