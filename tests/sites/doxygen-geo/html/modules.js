var modules =
[
    [ "Paths", "group__paths.html", "group__paths" ]
];