"""The interface in the reader's language: Flask-Babel over the gettext catalogues in `api/translations`.

A language is one file, `api/translations/<lang>/LC_MESSAGES/messages.po` (those shipped were drafted with
an AI assistant and await review by native speakers, as each file's header and the page footer say);
`messages.pot` beside them is the template, extracted from the templates (and the words kg.publish marks)
with `pybabel extract -F api/babel.cfg -k N_ -o api/translations/messages.pot api/ kg/publish/`. Only the
`.po` files are kept in git: `init_app` compiles them to `.mo` files when the app is built (about 0.3 s
for 13 catalogues here, once; later starts read the list of languages it kept, 0.06 s), into
`<tmp>/coopkg-translations-<uid>/<digest of the .po files>`, a folder only this user may write, shared by
the processes serving the same catalogues; so a fresh clone serves every language with no extra command.

The language of an answer, first that applies:

1. `?lang=xx` (what the language switch in every page's header links to), remembered in a cookie;
2. the cookie the switch set;
3. the browser's `Accept-Language` (werkzeug's `best_match`, with its fallback from `fr-CA` to `fr`);
4. English.

Only complete catalogues are offered (every message of the template translated, not fuzzy): a catalogue
half done stays out of the switch, and a reader asking for its language reads English. The language is part
of each page's ETag, and pages say `Vary: Accept-Language, Cookie`, so that a cache never serves one
language's page to a reader of another.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from babel import __version__ as babel_version
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, request
from flask_babel import Babel, get_locale
from werkzeug.datastructures import LanguageAccept

__all__ = ["COOKIE", "DEFAULT", "TRANSLATIONS", "Languages", "complete", "init_app", "locale", "read_catalogue"]

#: The folder of the catalogues: `<lang>/LC_MESSAGES/messages.po` and the template `messages.pot`.
TRANSLATIONS = Path(__file__).parent / "translations"
#: The language the templates are written in, served when nothing else applies.
DEFAULT = "en"
#: The cookie that remembers the language chosen with the switch (or `?lang=`), for a year.
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    """A `.po` or `.pot` file as a Babel catalogue."""
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def complete(catalogue: Catalog, template: Catalog) -> bool:
    """Whether `catalogue` translates every message of `template`, none of them fuzzy or empty."""
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        if translated is None or translated.fuzzy:
            return False
        strings = translated.string if isinstance(translated.string, (list, tuple)) else [translated.string]
        if not all(strings):
            return False
    return True


@dataclass
class Languages:
    """The languages the switch offers, in the switch's order (English first, then by code)."""

    offered: list[str]
    names: dict[str, str] = field(default_factory=dict)
    directory: Path | None = None


def _cache_folder() -> Path:
    """This user's folder for compiled catalogues (mode 0700); a private fresh one if another user owns it."""
    folder = Path(tempfile.gettempdir()) / f"coopkg-translations-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        status = folder.lstat()
    except OSError:  # a file or a dangling link of that name, put there by someone else
        return Path(tempfile.mkdtemp(prefix="coopkg-translations-"))
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        return Path(tempfile.mkdtemp(prefix="coopkg-translations-"))
    return folder


def _compile(source: Path) -> Languages:
    """Compile every complete `.po` under `source` (the incomplete are skipped) into a folder named by their
    contents: made once, then found by every process that serves the same catalogues (and made again when
    some of its files are gone, as a /tmp cleaner may take them)."""
    pos = sorted(source.glob("*/LC_MESSAGES/messages.po"))
    digest = hashlib.blake2b(babel_version.encode(), digest_size=10)
    for po in [source / "messages.pot", *pos]:
        digest.update(str(po.relative_to(source)).encode() + b"\0" + po.read_bytes())
    cache = _cache_folder()
    final = cache / digest.hexdigest()
    made = _made(final)
    if made is not None:  # compiled before from these very files: no catalogue to read again
        return _languages([DEFAULT, *made], final)
    template = read_catalogue(source / "messages.pot")
    catalogues = {}
    for po in pos:
        lang = po.parent.parent.name
        catalogue = read_catalogue(po, locale=lang)
        if lang != DEFAULT and complete(catalogue, template):
            catalogues[lang] = catalogue
    shutil.rmtree(final, ignore_errors=True)  # what is left of it, if a cleaner took some files
    target = Path(tempfile.mkdtemp(dir=cache))
    for lang, catalogue in catalogues.items():
        out = target / lang / "LC_MESSAGES"
        out.mkdir(parents=True)
        with (out / "messages.mo").open("wb") as f:
            write_mo(f, catalogue)
    (target / _OFFERED).write_text("\n".join(catalogues), encoding="utf-8")  # written last: the folder is whole
    try:
        target.rename(final)
    except OSError:  # another process made it first: the same files
        shutil.rmtree(target, ignore_errors=True)
    return _languages([DEFAULT, *catalogues], final)


#: The file of a compiled folder that lists its languages (the complete catalogues it was made from).
_OFFERED = "offered"


def _made(folder: Path) -> list[str] | None:
    """The languages a compiled folder offers, when it is whole (its list and each list's .mo file), else None."""
    try:
        langs = [lang for lang in (folder / _OFFERED).read_text(encoding="utf-8").splitlines() if lang]
    except OSError:
        return None
    whole = all((folder / lang / "LC_MESSAGES" / "messages.mo").is_file() for lang in langs)
    return langs if whole else None


def _languages(offered: list[str], folder: Path) -> Languages:
    names = {lang: Locale.parse(lang).get_display_name(lang).capitalize() for lang in offered}
    return Languages(offered, names, folder)


def locale() -> str:
    """The language of this request (see the module's docstring for the order)."""
    offered = current_app.extensions["coopkg_languages"].offered
    if asked := _asked(offered):
        return asked
    remembered = request.cookies.get(COOKIE, "")
    if remembered in offered:
        return remembered
    return request.accept_languages.best_match(offered) or DEFAULT


def _asked(offered: list[str]) -> str | None:
    """The offered language `?lang=` names, matched as Accept-Language is (`IT`, `it-IT`, `it_IT` give `it`)."""
    asked = request.args["lang"] if "lang" in request.args else ""  # (get() raises and catches KeyError)
    if asked in offered or not asked:
        return asked or None
    if len(asked) > 35:  # longer than any language tag a person writes
        return None
    return LanguageAccept([(asked.replace("_", "-"), 1)]).best_match(offered)


def _url_in(lang: str | None) -> str:
    """This page's address in `lang` (`None`: with no `lang`, the `x-default`), relative to the host: the
    request's Host header is the client's to choose, so no link (and no cached page) carries it."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    if lang is not None:
        args.append(("lang", lang))
    return request.script_root + request.path + ("?" + urlencode(args) if args else "")


def _remember(response: Response) -> Response:
    """Set the cookie when `?lang=` names an offered language the cookie does not hold yet, and mark every
    page that depends on the language as varying with it."""
    languages: Languages = current_app.extensions["coopkg_languages"]
    asked = _asked(languages.offered)
    if asked is not None and request.cookies.get(COOKIE) != asked:
        response.set_cookie(
            COOKIE,
            asked,
            max_age=COOKIE_MAX_AGE,
            path=request.script_root or "/",
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
        # an answer that sets a cookie is one reader's: no shared cache may keep it
        response.cache_control.public = False
        response.cache_control.private = True
    # a 304 says what its 200 would (RFC 9110 15.4.5): a page's, not a static file's (the same in every language)
    revalidated = response.status_code == 304 and response.get_etag()[0] and request.endpoint != "static"
    if response.mimetype == "text/html" or revalidated:
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def init_app(app: Flask) -> None:
    """Compile the catalogues, choose each request's language, and give the templates the switch's data.

    Call it before `api.validators.install`, so that its after-request hook (the cookie, `Vary`) runs after
    the validators have set their headers."""
    languages = _compile(TRANSLATIONS)
    app.extensions["coopkg_languages"] = languages
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(languages.directory)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    Babel(app, locale_selector=locale)

    @app.context_processor
    def _languages() -> dict:
        return {
            "current_lang": str(get_locale() or DEFAULT),
            "languages": languages,
            "url_in": _url_in,
        }

    app.after_request(_remember)
