"""Organisation names, towns and websites reduced to what two spellings of one organisation share.

Names are transliterated to ASCII (anyascii: accents, Greek, Cyrillic), cased, split into words; legal forms
(Oy, GmbH, SR, S.p.A. ...) and function words are left out, the common words of organisation names in the
EU's languages are written in English (Universitet -> university, Comune -> municipality), and a genitive or
plural s is dropped, so that `Lunds Universitet` and `Lund University` give the same words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from anyascii import anyascii

__all__ = ["words", "name_key", "town_key", "acronym", "domain", "kinds"]

#: Legal forms and their abbreviations, after transliteration and with the dots taken out.
LEGAL_FORMS = frozenset(
    """
    ab abp ag aisbl as asa asbl bv bvba cic cio cooperative cvba eg ehf ek ev eeig ehf eirl eood epe etf eurl
    fzco gbr ggmbh gie gmbh inc kft kg kgaa ky ltd llc llp lda limited mbh nv oy oyj plc psc sa sae sal sarl sas
    sasu sc scarl scpa scrl se sl sll slp snc sp spa spol sprl sr sro srl srls ssa ug unipessoal uab vof vzw zoo
    zrt
    """.split()
)

#: Words that carry no identity in an organisation's name, in the languages the sources use.
FUNCTION_WORDS = frozenset(
    """
    a al an and at au aux d da das de dei degli del della delle dello der des di die do dos du e ed el en et
    for fur fuer i il in l la le les lo los na of och og on per pour s the to u und van voor y z za zu zum zur
    """.split()
)

#: The words of organisation names written in English, so that translations of a name share them.
ENGLISH = {
    **dict.fromkeys(
        "universitet universitat universitaet universita panepistimio universite universidad universidade "
        "universiteit uniwersytet "
        "univerzita univerzitet universitatea yliopisto egyetem ulikool universitate univerza sveuciliste "
        "university".split(),
        "university",
    ),
    **dict.fromkeys(
        "korkeakoulu hochschule hogeschool hogskola hojskole college".split(),
        "college",
    ),
    **dict.fromkeys(
        "comune municipio ayuntamiento concello ajuntament gemeente gemeinde kommune kommun commune municipalite "
        "municipiul primaria obshtina obcina opstina gmina savivaldybe pasvaldiba dimos kunta kaupunki "
        "municipality".split(),
        "municipality",
    ),
    **dict.fromkeys("citta ciudad cidade ville stadt stad miasto mesto grad city".split(), "city"),
    **dict.fromkeys(
        "epimelitirio camera cambra camara chambre kammer handelskammer kamer komora kamara izba rumal chamber".split(),
        "chamber",
    ),
    **dict.fromkeys("commercio comerc comercio commerce handel kaubandus commerce".split(), "commerce"),
    **dict.fromkeys("industria industrie industry".split(), "industry"),
    **dict.fromkeys(
        "istituto instituto institut institutet instytut institutul instituut institute".split(), "institute"
    ),
    **dict.fromkeys(
        "idryma fondazione fundacion fundacao fundacio fondation stiftung stichting fundacja fundatia saatio "
        "foundation".split(),
        "foundation",
    ),
    **dict.fromkeys("agenzia agencia agence agentur agentschap agencja agentia agency".split(), "agency"),
    **dict.fromkeys(
        "associazione asociacion associacao associacio verein vereniging stowarzyszenie asociatia yhdistys "
        "association".split(),
        "association",
    ),
    **dict.fromkeys("regione perifereia region regio regiao regionu".split(), "region"),
    **dict.fromkeys("regional regionale regionaal".split(), "regional"),
    **dict.fromkeys("provincia province provinz provincie".split(), "province"),
    **dict.fromkeys("consiglio consejo conseil rat raad council".split(), "council"),
    **dict.fromkeys("centro kentro centre center zentrum centrum".split(), "centre"),
    **dict.fromkeys("nazionale nacional ethniko ethnikon national nationale narodowy".split(), "national"),
    **dict.fromkeys("europea europeo europeenne europaische europe european".split(), "european"),
    **dict.fromkeys("ricerca investigacion recherche forschung erevnas erevna research".split(), "research"),
    **dict.fromkeys("tecnologia technologie technologias technology".split(), "technology"),
    **dict.fromkeys("scienza ciencia science wissenschaft wissenschaften".split(), "science"),
    **dict.fromkeys("arte arts art kunst taide".split(), "art"),
    **dict.fromkeys("design disseny diseno designa".split(), "design"),
}

#: The kinds of body a name can say it is: two names of different kinds name different organisations
#: (the University of Crete is not the Region of Crete), whatever else they share.
KINDS = {
    **dict.fromkeys("university college school faculty academy".split(), "education"),
    **dict.fromkeys("municipality hall".split(), "local"),
    **dict.fromkeys("region province county voivodeship prefecture".split(), "region"),
    **dict.fromkeys("chamber".split(), "chamber"),
    **dict.fromkeys("agency".split(), "agency"),
    **dict.fromkeys("council".split(), "council"),
    **dict.fromkeys("ministry".split(), "ministry"),
    **dict.fromkeys("bank".split(), "bank"),
    **dict.fromkeys("museum".split(), "museum"),
}

_SPLIT = re.compile(r"[^a-z0-9]+")
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")  # s.p.a., e.v., s.r.l.


def _ascii(text: str) -> str:
    return anyascii(text).casefold().replace("&", " and ")


def _word(word: str) -> str:
    word = ENGLISH.get(word, word)
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]  # Lunds, Crafts, Arts
    return ENGLISH.get(word, word)


@lru_cache(maxsize=262_144)
def words(name: str) -> tuple[str, ...]:
    """The words that identify an organisation in its name, in order (cached: blocking, weights and
    scores all ask for the same names)."""
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), _ascii(name))
    kept = [w for w in _SPLIT.split(text) if w and w not in FUNCTION_WORDS]
    # a legal form counts only as a word of its own; a name that is only a legal form keeps it
    named = [w for w in kept if w not in LEGAL_FORMS] or kept
    return tuple(_word(w) for w in named)


def name_key(name: str) -> str:
    """Two names with the same key are the same name written another way (case, accents, legal form)."""
    return " ".join(words(name))


def kinds(name_words: tuple[str, ...]) -> frozenset[str]:
    """The kinds of body a name's words say it is (education, local, region, chamber ...)."""
    return frozenset(KINDS[w] for w in name_words if w in KINDS)


def acronym(name: str) -> str:
    """The initials of a name's words (after normalisation), to compare with an acronym column."""
    return "".join(w[0] for w in words(name) if not w.isdigit())


_TOWN_NOISE = re.compile(r"\b(cedex|cdx|bp|cs)\b.*$|\d+")


def town_key(town: str) -> str:
    """A town without postal noise (Strasbourg Cedex 2, 75012 Paris) and in ASCII lower case."""
    text = _TOWN_NOISE.sub(" ", _ascii(town))
    return " ".join(_SPLIT.split(text)).strip()


#: Hosts that are no organisation's own site (a programme's, a project's, a social network's).
SHARED_HOSTS = frozenset(
    "interreg4c.eu i4c.eu innocrafts.eu interregeurope.eu keep.eu europa.eu facebook.com linkedin.com".split()
)


def domain(url: str) -> str:
    """The registered part of a website's host (www.unifi.it -> unifi.it); "" for none or a shared host."""
    text = url.strip()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.removeprefix("www.")
    return "" if host in SHARED_HOSTS or "." not in host else host
