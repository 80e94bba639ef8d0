var structgeo_1_1Point =
[
    [ "x", "structgeo_1_1Point.html#abae8cb85fa34453fb467434e2b49199a", null ],
    [ "y", "structgeo_1_1Point.html#ada4c01ec874ef17a4b513a37a54545ca", null ]
];