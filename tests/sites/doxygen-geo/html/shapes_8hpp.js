var shapes_8hpp =
[
    [ "geo::Point", "structgeo_1_1Point.html", "structgeo_1_1Point" ],
    [ "geo::Shape", "classgeo_1_1Shape.html", "classgeo_1_1Shape" ],
    [ "geo::Circle", "classgeo_1_1Circle.html", "classgeo_1_1Circle" ],
    [ "geo::Rect", "classgeo_1_1Rect.html", "classgeo_1_1Rect" ]
];