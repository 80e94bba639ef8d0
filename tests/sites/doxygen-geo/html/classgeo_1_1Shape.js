var classgeo_1_1Shape =
[
    [ "~Shape", "classgeo_1_1Shape.html#af219d559be5c2ccd2fd05ee58671c254", null ],
    [ "area", "classgeo_1_1Shape.html#ac2e242f3f20e2af50e1bb4ec934aeeaf", null ]
];