var dir_b919d449df95dbe7854299847587d1c3 =
[
    [ "paths.hpp", "paths_8hpp.html", "paths_8hpp" ],
    [ "shapes.hpp", "shapes_8hpp.html", "shapes_8hpp" ]
];