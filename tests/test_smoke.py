"""The plugin is installed and inert without --linkrules."""


def test_plugin_does_nothing_without_the_flag(pytester):
    pytester.makefile(".toml", linkrules="this is not valid toml [[[")
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
