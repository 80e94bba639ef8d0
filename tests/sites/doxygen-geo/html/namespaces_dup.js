var namespaces_dup =
[
    [ "geo", "namespacegeo.html", "namespacegeo" ]
];