var namespacegeo =
[
    [ "detail", "namespacegeo_1_1detail.html", [
      [ "hidden_helper", "namespacegeo_1_1detail.html#a125ec94ec931c7e3aab3fe4b4b51ff37", null ]
    ] ],
    [ "Circle", "classgeo_1_1Circle.html", "classgeo_1_1Circle" ],
    [ "Point", "structgeo_1_1Point.html", "structgeo_1_1Point" ],
    [ "Polygon", "classgeo_1_1Polygon.html", "classgeo_1_1Polygon" ],
    [ "Rect", "classgeo_1_1Rect.html", "classgeo_1_1Rect" ],
    [ "Shape", "classgeo_1_1Shape.html", "classgeo_1_1Shape" ],
    [ "length", "group__paths.html#gaac8ca99a44c50686da562d4727123714", null ]
];