"""String, regex, hashing and URL functions."""

from __future__ import annotations

import pytest

from tests.prep.el.support import ev, fails

R = {"data": {"email": "Ada@Example.com", "name": None, "n": 5}}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('concat("Hi, ", "there", "!")', "Hi, there!"),
        ('concat("a", null, "b")', "ab"),
        ("concat(null, data.name)", None),
        ('concat("n=", 1, ", f=", 1.5, ", b=", true)', "n=1, f=1.5, b=true"),
        ('concat("ü", "日本")', "ü日本"),
        ('explode("Hi, there!", " ")', ["Hi,", "there!"]),
        ('explode("a,b,,c,,")', ["a", "b", "", "c"]),
        ('explode("a1b22c", "\\\\d+")', ["a", "b", "c"]),
        ('explode("a|b", "\\\\|")', ["a", "b"]),
        ('explode("(a)(b)", "[()]+")', ["", "a", "b"]),
        ('explode("abc", "")', ["a", "b", "c"]),
        ('explode("", ",")', [""]),
        ('explode("x-y", "(-)")', ["x", "y"]),
        ("explode(null)", None),
        ('instr("adobe.com", "com")', 7),
        ('instr("adobe.com", "xyz")', 0),
        ('instr("banana", "an", 1, 2)', 4),
        ('instr("banana", "an", 3)', 4),
        ('instr("banana", "an", -1)', 4),
        ('instr("banana", "an", -1, 2)', 2),
        ('instr("banana", "a", -3)', 4),
        ('instr("banana", "an", 1, 3)', 0),
        ('instr(null, "a")', None),
        ('instr("a", null)', None),
        ('replacestr("This is a string re test", "re", "replace")', "This is a string replace test"),
        ('replacestr("a.b.c", ".", "")', "abc"),
        ('replacestr("aaa", "", "x")', "aaa"),
        ('replacestr("a-b", "-", null)', "ab"),
        ('replacestr("a-b", null, "+")', "a-b"),
        ('substr("This is a substring test", 7, 8)', " a subst"),
        ('substr("hello", 2)', "llo"),
        ('substr("hello", -3, 2)', "he"),
        ('substr("hello", 10, 2)', ""),
        ('substr("hello", 1, -1)', ""),
        ('substr("héllo✓", 4, 9)', "o✓"),
        ('lower("ÀÉÎ")', "àéî"),
        ('lcase("ABC")', "abc"),
        ('upper("straße")', "STRASSE"),
        ('ucase("abc")', "ABC"),
        ("upper(42)", "42"),
        ("lower(null)", None),
        ('split("Hello world,  again", " ,")', ["Hello", "world", "again"]),
        ('split("a  b\tc")', ["a", "b", "c"]),
        ('split(",,", ",")', []),
        ('join(", ", ["Hello", "world"])', "Hello, world"),
        ('join("-", "a", null, 1)', "a-1"),
        ('join(null, ["a", "b"])', "ab"),
        ('join(",", null)', None),
        ('lpad("bat", 8, "yz")', "yzyzybat"),
        ('lpad("bat", 5, null)', "  bat"),
        ('lpad("bat", 5)', "  bat"),
        ('lpad("bat", 2, "x")', "bat"),
        ('rpad("bat", 8, "yz")', "batyzyzy"),
        ('rpad("bat", 4, "")', "bat "),
        ('rpad("日本", 4, "語")', "日本語語"),
        ('left("abcde", 2)', "ab"),
        ('left("abc", 10)', "abc"),
        ('left("abc", -1)', ""),
        ('right("abcde", 2)', "de"),
        ('right("abc", 10)', "abc"),
        ('right("abc", 0)', ""),
        ("left(null, 2)", None),
        ('ltrim("  hi  ")', "hi  "),
        ('rtrim("  hi  ")', "  hi"),
        ('trim("\u00a0\t hi \n")', "hi"),
        ("trim(null)", None),
    ],
)
def test_strings(text: str, value: object) -> None:
    assert ev(text, R) == value


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("upper([1])", "upper: S must be a string, got array [1]"),
        ('substr("abc", "x")', "substr: START must be an integer"),
        ('instr("abc", "a", 0)', "START must not be 0"),
        ('lpad("a", "x", "b")', "lpad: N must be an integer"),
        ('explode("a", data.n)', None),
        ('explode("a", concat("("))', "invalid regex"),
        ('left("abc", 1.5)', "N must be an integer, got number 1.5"),
    ],
)
def test_string_errors(text: str, words: str | None) -> None:
    if words is None:
        assert ev(text, R) == ["a"]
    else:
        assert words in str(fails(text, R))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('extract_regex("E259,E259B_009,1_1", "([^,]+),[^,]*,([^,]+)")', ["E259,E259B_009,1_1", "E259", "1_1"]),
        ('extract_regex("order 42 of 7", "\\\\d+")', ["42"]),
        ('extract_regex("abc", "(x)?b")', ["b", None]),
        ('extract_regex("abc", "z")', None),
        ('extract_regex("2026-11", "(?<year>\\\\d{4})-(?<month>\\\\d{2})")', ["2026-11", "2026", "11"]),
        ('extract_regex("日本語", "本(.)")', ["本語", "語"]),
        ('extract_regex(null, "a")', None),
        ('matches_regex("E259,E259B_009,1_1", "([^,]+),[^,]*,([^,]+)")', True),
        ('matches_regex("abc1", "[a-z]+")', False),
        ('matches_regex("abc", "[a-z]+")', True),
        ('matches_regex(data.email, ".+@.+\\\\..+")', True),
        ('matches_regex(null, "a")', None),
    ],
)
def test_regex(text: str, value: object) -> None:
    assert ev(text, R) == value


def test_regex_from_a_path_is_checked_at_run_time() -> None:
    assert "invalid regex" in str(fails("matches_regex('a', data.re)", {"data": {"re": "(("}}))
    assert "REGEX must be a string" in str(fails("matches_regex('a', data.re)", {"data": {"re": [1]}}))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('sha256("my text")', "7330d2b39ca35eaf4cb95fc846c21ee6a39af698154a83a586ee270a0d372104"),
        ('sha256("my text", "UTF-8")', "7330d2b39ca35eaf4cb95fc846c21ee6a39af698154a83a586ee270a0d372104"),
        ('sha256("my text", "utf-8")', "7330d2b39ca35eaf4cb95fc846c21ee6a39af698154a83a586ee270a0d372104"),
        ('md5("my text")', "d3b96ce8c9fb4e9bd0198d03ba6852c7"),
        ('sha1("my text")', "c3599c11e47719df18a2448690840c5dfcce3c80"),
        ('crc32("my text")', "802ef98d"),
        ('crc32("")', "00000000"),
        ('md5("")', "d41d8cd98f00b204e9800998ecf8427e"),
        ('md5("é", "ISO-8859-1")', "3406877694691ddd1dfb0aca54681407"),
        ('md5("é", "US-ASCII") == md5("?")', True),
        ('md5("é", "UTF-16") == md5("é", "UTF-8")', False),
        ('md5("a", "UTF-16")', "4b936244fb81c0500598b1938266f69a"),  # Java: FE FF 00 61
        ("sha512(null)", None),
        ("md5(12)", "c20ad4d76fe97759aa27a0c99bff6710"),
    ],
)
def test_hashing(text: str, value: object) -> None:
    assert ev(text) == value


def test_hash_of_lowercased_email() -> None:
    import hashlib

    expected = hashlib.sha256(b"ada@example.com").hexdigest()
    assert ev("sha256(lower(trim(data.email)))", R) == expected
    assert "unsupported charset" in str(fails("md5('a', data.cs)", {"data": {"cs": "KOI8"}}))
    assert "INPUT must be a string" in str(fails("md5([1])"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('get_url_protocol("https://platform.adobe.com/home")', "https"),
        ('get_url_protocol("HTTP://x.org")', "http"),
        ('get_url_protocol("not a url")', None),
        ('get_url_host("https://Platform.Adobe.com:8080/home")', "platform.adobe.com"),
        ('get_url_host("mailto:a@b.c")', None),
        ('get_url_port("https://x.org/")', 443),
        ('get_url_port("http://x.org:8080/")', 8080),
        ('get_url_port("sftp://example.com//home/joe/employee.csv")', 22),
        ('get_url_port("gopher://x.org/")', None),
        ('get_url_port("http://x.org:99999/")', None),
        ('get_url_path("https://platform.adobe.com/home/index.html?a=1#f")', "/home/index.html"),
        ('get_url_path("https://platform.adobe.com/home/index.html", false)', "index.html"),
        ('get_url_path("https://x.org")', ""),
        ('get_url_query_str("foo://example.com:8042/over/there?name=ferret#nose", "retain")', {"name": "ferret#nose"}),
        ('get_url_query_str("foo://example.com:8042/over/there?name=ferret#nose", "remove")', {"name": "ferret"}),
        (
            'get_url_query_str("foo://example.com:8042/over/there?name=ferret#nose", "append")',
            {"name": "ferret", "_anchor_": "nose"},
        ),
        ('get_url_query_str("https://x.org/?a=1&b&a=2&c=x%20y", "remove")', {"a": "2", "b": "", "c": "x%20y"}),
        ('get_url_query_str("https://x.org/", "append")', {}),
        ('get_url_query_str("nope", "append")', None),
        (
            'get_url_encoded("https://example.com/a b?x=1&y=é~*")',
            "https%3A%2F%2Fexample.com%2Fa+b%3Fx%3D1%26y%3D%C3%A9%7E*",
        ),
        ('get_url_decoded("https%3A%2F%2Fexample.com%2Fa+b%3Fy%3D%C3%A9")', "https://example.com/a b?y=é"),
        ('get_url_decoded("100%")', None),
        ('get_url_decoded("%zz")', None),
        ('get_url_decoded("%ff")', None),
        ("get_url_host(null)", None),
    ],
)
def test_urls(text: str, value: object) -> None:
    assert ev(text) == value


def test_url_errors() -> None:
    assert "FULL_PATH must be true or false" in str(fails('get_url_path("https://x.org/a", "yes")'))
    assert "ANCHOR must be" in str(fails('get_url_query_str("https://x.org/", data.a)', {"data": {"a": "x"}}))
    assert "URL must be a string" in str(fails("get_url_host([1])"))
