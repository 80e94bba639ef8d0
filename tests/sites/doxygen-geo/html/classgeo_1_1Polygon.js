var classgeo_1_1Polygon =
[
    [ "area", "classgeo_1_1Polygon.html#a60c9e885dc55733f202b23f986de32fe", null ]
];