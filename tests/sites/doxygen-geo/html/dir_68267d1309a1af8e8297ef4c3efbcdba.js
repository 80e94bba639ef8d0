var dir_68267d1309a1af8e8297ef4c3efbcdba =
[
    [ "geo", "dir_b919d449df95dbe7854299847587d1c3.html", "dir_b919d449df95dbe7854299847587d1c3" ]
];