var classgeo_1_1Circle =
[
    [ "Circle", "classgeo_1_1Circle.html#adecac7d013bfeabe2be4b8db7bf98194", null ],
    [ "area", "classgeo_1_1Circle.html#a4b73038b493b4060338bb9cd1f51c42c", null ],
    [ "centre", "classgeo_1_1Circle.html#a14b0423ca90f13fc8f42e5f03c0d27bd", null ]
];