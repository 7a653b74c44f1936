"""Cleaning published values: what is clearly one value written another way becomes that value, and says so.

Each function takes a cell's text and returns the value to use with a `Note` of what was changed (None when
nothing was), or raises ValueError with the reason when the text is not a value of its kind. The mapper puts
every note in the import's data-quality report.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

__all__ = [
    "Note",
    "url_list",
    "number",
    "iso_date",
    "collapse_doubled",
    "control_characters",
    "by_pattern",
    "postcode_note",
    "slug",
    "last_segment",
    "country_code",
]


@dataclass(frozen=True)
class Note:
    """What cleaning did to a value: a short category (for totals) and a sentence (for people)."""

    category: str
    reason: str


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HOST = re.compile(r"^(www\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?([/?#].*)?$")
_URL_SPLIT = re.compile(r"\s*[;|]\s*|\s+/\s+|\s+")
_URL_CHARS = re.compile(r"^[^\x00-\x20<>\"{}|\\^`]+$")


def url_list(text: str) -> tuple[list[str], list[Note]]:
    """The web addresses in a cell: 'www.x.eu' gets http://, 'a.eu; b.eu' is two addresses. Raises
    ValueError when a part is not an address."""
    parts = [p for p in _URL_SPLIT.split(text.strip()) if p]
    notes = []
    if len(parts) > 1:
        notes.append(Note("several-values", f"{len(parts)} addresses in one cell, each kept"))
    urls = []
    for part in parts:
        if not _SCHEME.match(part):
            if not _HOST.match(part):
                raise ValueError(f"'{part}' is not a web address")
            part = "http://" + part
            notes.append(Note("url-scheme-added", f"no scheme: read as {part}"))
        if not _URL_CHARS.match(part):
            raise ValueError(f"'{part}' is not a web address (it has spaces or <>\"{{}}|\\^`)")
        urls.append(part)
    return urls, notes


_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([,.]\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")


def number(text: str, decimal: str | None = None) -> tuple[str, Note | None]:
    """A decimal number as xsd:decimal writes it: '2835524,25' (a decimal comma), '892,228.58' and
    '1.234.567,5' (thousands separators; the later mark is the decimal one), and '1,500' (read as a
    thousand, unless the file's `decimal` mark is declared as a comma: coordinates such as '45,315').
    Raises ValueError for what is not a number."""
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    note = None
    if decimal == "," and _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
        note = Note("decimal-comma", f"a decimal comma: {value}")
    elif _PLAIN_NUMBER.match(value) and value.count(".") <= 1:
        pass
    elif "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
        value = value.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
        note = Note("thousands-separator", f"thousands separators removed: {value}")
    elif _GROUPED.match(value):
        value = value.replace(",", "").replace(".", "")
        note = Note("thousands-separator", f"thousands separators removed: {value}")
    elif _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
        note = Note("decimal-comma", f"a decimal comma: {value}")
    if not _PLAIN_NUMBER.match(value):
        raise ValueError(f"'{text}' is not a number")
    try:
        Decimal(value)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number") from None
    return value, note


_DATE_FORMS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), None),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "a date written YYYY/MM/DD"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"), "a date with a time: the day kept"),
)


def iso_date(text: str, form: str | None = None) -> tuple[str, Note | None]:
    """A date as YYYY-MM-DD, from that form, YYYY/MM/DD, a timestamp or the strptime `form` a mapping
    declares ('%d/%m/%Y'); an impossible date (2027-02-31) is a ValueError saying so."""
    value = text.strip()
    if form:
        try:
            result = datetime.strptime(value, form).date().isoformat()
        except ValueError:
            pass
        else:
            return result, Note("date-form", f"a date written {form}: {result}")
    for pattern, reason in _DATE_FORMS:
        m = pattern.match(value)
        if m:
            year, month, day = (int(g) for g in m.groups()[:3])
            try:
                result = date(year, month, day).isoformat()
            except ValueError:
                raise ValueError(f"'{text}' is not a valid date: there is no such day") from None
            return result, (Note("date-form", f"{reason}: {result}") if reason else None)
    raise ValueError(f"'{text}' is not a valid date (YYYY-MM-DD, e.g. 2012-11-21)")


#: C0 and C1 control characters other than tab, line feed and carriage return, and DEL: never text.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])


def control_characters(text: str) -> tuple[str, Note | None]:
    """The text without control characters (a NUL or an escape left by an export), saying how many went."""
    kept = text.translate(_CONTROLS)
    if len(kept) == len(text):
        return text, None
    gone = len(text) - len(kept)
    return kept, Note("control-characters", f"{gone} control character{'s' if gone != 1 else ''} removed")


def collapse_doubled(text: str) -> tuple[str, Note | None]:
    """'PRC;PRC' -> 'PRC': the same code written twice in one cell."""
    parts = [p.strip() for p in re.split(r"[;,]", text) if p.strip()]
    if len(parts) > 1 and len({p.casefold() for p in parts}) == 1:
        return parts[0], Note("doubled-code", f"the same code twice: {parts[0]}")
    return text, None


def by_pattern(text: str, pattern: re.Pattern[str]) -> tuple[str, Note | None]:
    """The part of a cell that a mapping's `pattern` picks ('DEG01  / Erfurt' -> 'DEG01'); ValueError when
    the cell does not match."""
    m = pattern.search(text)
    if m is None:
        raise ValueError(f"'{text}' does not match the pattern {pattern.pattern}")
    value = (m.group(1) if m.groups() else m.group(0)).strip()
    if value == text.strip():
        return value, None
    return value, Note("code-from-text", f"the code '{value}' taken from '{text}'")


#: Countries whose postcodes are five digits, where a shorter all-digit code lost its leading zeros.
_FIVE_DIGIT_POSTCODES = frozenset("DE FR IT ES FI GR EL HR EE MA US MX TR UA DZ TN KH MY".split())


def postcode_note(text: str, country: str) -> Note | None:
    """A postcode is kept as given; one that looks as if it lost its leading zeros is flagged."""
    value, code = text.strip(), country.strip().upper()[:2]
    if value.isdigit() and code in _FIVE_DIGIT_POSTCODES and len(value) < 5:
        return Note("postcode-leading-zeros", f"kept as given; {code} postcodes have 5 digits: it may have lost zeros")
    return None


def slug(text: str, *, length: int = 60) -> str:
    """Readable ASCII for an IRI segment: 'Comune di Firenze' -> 'comune-di-firenze', Greek and Cyrillic
    transliterated ('Θάσος' -> 'thasos')."""
    from anyascii import anyascii

    ascii_text = anyascii(text).casefold()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:length].rstrip("-")


def last_segment(text: str) -> str:
    """The last part of a web address's path, for a readable key: 'https://x.eu/gp/some-slug-123?a=1' ->
    'some-slug-123' (the text itself when it has no '/')."""
    from urllib.parse import urlsplit

    value = text.strip()
    try:
        address = urlsplit(value)
    except ValueError:  # an unparseable address (a bad IPv6 host) is its own key
        return value
    parts = [p for p in address.path.split("/") if p]
    if not parts or parts[-1] in (".", ".."):  # no last part that names a page: the whole address
        return value
    return parts[-1]


#: Codes that EU sources use beside ISO 3166-1's: Greece as EL, the United Kingdom as UK; Kosovo's XK.
_COUNTRY_ALIASES = {
    "EL": "GR",
    "UK": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "turkey": "TR",
    "russia": "RU",
    "kosovo": "XK",
    "holland": "NL",
    "macedonia": "MK",
    "former yugoslav republic of macedonia": "MK",
    "republic of north macedonia": "MK",
    "czech republic": "CZ",
    "slovak republic": "SK",
    "vatican": "VA",
}

#: The languages whose country names are read (the EU's, its neighbours' and candidates'), after English.
_COUNTRY_LANGUAGES = (
    "bg ca cs da de el es et eu fi fr ga gl hr hu is it lt lv mk mt nb_NO nl nn pl pt ro sk sl sq sr sr@latin sv tr uk"
).split()


def _country_key(text: str) -> str:
    """A country name compared without case, accents, punctuation or a leading 'the'."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[^\w]+", " ", plain).strip()
    return plain.removeprefix("the ")


@functools.cache
def _country_names() -> dict[str, str]:
    """Country name (English, official, common, and in the EU's languages) -> ISO 3166-1 alpha-2 code."""
    import gettext

    import pycountry

    names: dict[str, str] = {}
    countries = list(pycountry.countries)
    for c in countries:
        for name in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)):
            if name:
                names.setdefault(_country_key(name), c.alpha_2)
    for alias, code in _COUNTRY_ALIASES.items():
        names.setdefault(_country_key(alias), code)
    for language in _COUNTRY_LANGUAGES:
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for c in countries:
            for name in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)):
                if name:
                    names.setdefault(_country_key(translation.gettext(name)), c.alpha_2)
    return names


def country_code(text: str) -> tuple[str, Note | None]:
    """An ISO 3166-1 alpha-2 code for a code or a country's name: 'Czech Republic' and 'Czechia' -> CZ,
    'Deutschland' -> DE, 'EL' -> GR, 'UK' -> GB. Raises ValueError naming the nearest names."""
    code, note, problem = _country(text.strip())
    if problem:
        raise ValueError(problem)
    return code, note


@functools.lru_cache(maxsize=4096)
def _country(value: str) -> tuple[str, Note | None, str]:
    """country_code's answer, or the problem, kept per distinct value (a column of many rows has few values,
    and finding the nearest names of an unknown one takes tens of milliseconds)."""
    import difflib

    import pycountry

    if re.fullmatch(r"[A-Za-z]{2}", value):
        code = _COUNTRY_ALIASES.get(value.upper(), value.upper())
        if code == "XK" or pycountry.countries.get(alpha_2=code) is not None:
            return code, None if code == value else Note("country-code", f"'{value}' is the ISO code {code}"), ""
        if _country_key(value) not in _country_names():
            return "", None, f"unknown country '{value}': no ISO 3166-1 country has this code"
    code = _country_names().get(_country_key(value))
    if code is None:
        names = _country_names()
        near = difflib.get_close_matches(_country_key(value), list(names), n=6, cutoff=0.6)
        codes = list(dict.fromkeys(names[n] for n in near))[:3]
        shown = [f"{c.name} ({c.alpha_2})" for c in (pycountry.countries.get(alpha_2=code) for code in codes) if c]
        hint = f"; the nearest: {', '.join(shown)}" if shown else " (give an ISO code such as IT, or an English name)"
        return "", None, f"'{value}' is no country code or country name{hint}"
    return code, Note("country-name", f"the country '{value}' is {code}"), ""


def country_key(text: str) -> str:
    """A country name or code as its ISO code, for a key ({Country|country}); ValueError when it is none."""
    return country_code(text)[0]


#: How a subject placeholder takes part of its column's value ({URL|last_segment}), by name.
KEY_FORMS = {"last_segment": last_segment, "slug": slug, "country": country_key}
