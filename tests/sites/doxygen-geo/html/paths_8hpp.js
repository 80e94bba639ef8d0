var paths_8hpp =
[
    [ "hidden_helper", "paths_8hpp.html#a125ec94ec931c7e3aab3fe4b4b51ff37", null ],
    [ "length", "paths_8hpp.html#gaac8ca99a44c50686da562d4727123714", null ]
];