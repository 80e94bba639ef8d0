var classgeo_1_1Rect =
[
    [ "Rect", "classgeo_1_1Rect.html#aae48235bfcdfa77699e6dd1c581f3d18", null ],
    [ "area", "classgeo_1_1Rect.html#a6e0a9fe6194a32e46936e2af9bc65626", null ]
];