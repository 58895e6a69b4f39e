"""Generate N realistic Swedish knowledge-base pages for benchmarks (deterministic per seed).

Pages look like the demo content: a title naming a routine, reception or structure in a
municipality, a one-line summary, tags, target groups, and 300–700 words of body text
with inflected forms, compounds (many of them unique, as in real text) and abbreviations.
Used by bench/search_bench.py; `python bench/corpus.py 3` prints three pages.
"""
from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

PLACES = ("Lerum", "Alingsås", "Partille", "Härryda", "Mölndal", "Kungälv", "Ale", "Stenungsund",
          "Tjörn", "Orust", "Borås", "Trollhättan", "Vänersborg", "Uddevalla", "Skövde", "Lidköping",
          "Mariestad", "Falköping", "Göteborg Sydväst", "Göteborg Nordost", "Hisingen", "Kungsbacka")
UNITS = ("vårdcentralen", "hemsjukvården", "socialtjänsten", "elevhälsan", "BUP", "vuxenpsykiatrin",
         "habiliteringen", "närakuten", "rehabenheten", "äldreomsorgen", "hemtjänsten", "ungdomsmottagningen",
         "beroendemottagningen", "barnavårdscentralen", "korttidsboendet", "mödravårdscentralen")
TOPICS = ("SIP", "samordnad individuell plan", "in- och utskrivning", "avvikelser i samverkan",
          "suicidprevention", "psykisk ohälsa hos unga", "missbruk och beroende", "demens",
          "läkemedelsgenomgång", "trygg och säker hemgång", "hjälpmedelsförskrivning", "nutrition",
          "fallprevention", "palliativ vård", "barn som anhöriga", "våld i nära relationer",
          "skolfrånvaro", "NPF", "tidiga insatser", "mobila vårdformer", "digitala vårdbesök",
          "brukarinflytande", "anhörigstöd", "hemtjänst", "kommunal primärvård", "rehabilitering")
KINDS = (("routine", ("Rutin för {t}", "Riktlinje: {t}", "Så arbetar vi med {t}", "Checklista för {t}")),
         ("reception", ("Mottagning för {t} i {p}", "{u} i {p}", "Öppen mottagning: {t}")),
         ("structure", ("NOSAM {p}", "Temagrupp {t}", "Arbetsgrupp för {t} i {p}", "Nätverk för {t}")),
         ("article", ("Om {t}", "Erfarenheter av {t} i {p}", "Uppföljning av {t} {y}")),
         ("orientation", ("Introduktion till {t}", "Ny i {p}: {t}")))
TARGET_GROUPS = ("Barn och unga", "Psykisk hälsa och missbruk", "Äldre")
FIRST = ("hem", "vård", "omsorg", "samverkans", "avvikelse", "utskrivnings", "läkemedels", "hjälpmedels",
         "rehab", "trygghets", "anhörig", "brukar", "elev", "barn", "ungdoms", "äldre", "demens", "missbruks",
         "beroende", "psykiatri", "kris", "stöd", "kvalitets", "uppföljnings", "planerings", "kontakt",
         "informations", "besluts", "remiss", "läkar", "sjuksköterske", "kurator", "psykolog", "skol",
         "familje", "boende", "nattpatrull", "larm", "mat", "fall", "smärt", "sår", "tand", "syn", "hörsel",
         "dagverksamhets", "korttids", "natt", "jour", "helg", "sommar", "region", "kommun", "länsgemensam")
SECOND = ("plan", "planer", "planen", "rutin", "rutiner", "rutinen", "insats", "insatser", "insatsen",
          "process", "processen", "arbete", "arbetet", "team", "teamet", "grupp", "gruppen", "möte", "mötet",
          "mötena", "ansvar", "ansvaret", "stöd", "stödet", "hantering", "hanteringen", "samordnare",
          "samordnaren", "nätverk", "nätverket", "utbildning", "utbildningen", "dokument", "dokumentet",
          "tjänst", "tjänsten", "bedömning", "bedömningen", "kontakt", "kontakten", "uppdrag", "uppdraget",
          "mottagning", "mottagningen", "område", "området", "enhet", "enheten", "personal", "personalen")
ADJ = ("gemensam", "gemensamma", "gemensamt", "tydlig", "tydliga", "tydligt", "digital", "digitala",
       "digitalt", "regional", "regionala", "kommunal", "kommunala", "ny", "nya", "nytt", "viktig",
       "viktiga", "viktigt", "samordnad", "samordnade", "trygg", "trygga", "tryggt", "personcentrerad")
VERBS = ("ansvarar för", "samordnar", "följer upp", "planerar", "dokumenterar", "kallar till",
         "bjuder in till",
         "rapporterar", "utvärderar", "beslutar om", "tar fram", "reviderar", "ansöker om", "erbjuder")
ROLES = ("processledaren", "SIP-samordnaren", "MAS", "MAR", "enhetschefen", "kuratorn", "distriktssköterskan",
         "biståndshandläggaren", "skolsköterskan", "läkaren", "arbetsterapeuten", "fysioterapeuten",
         "kommunikatören", "den delregionala samordnaren", "NOSAM:s ordförande", "socialsekreteraren")
# Sentences any page may have: about collaboration in general, no specific routine named.
GENERAL = (
    "{R} {v} {a} {c} tillsammans med {u} i {p}.",
    "{C} gäller för alla verksamheter i {p} och revideras varje år enligt årshjulet.",
    "Kontakta {u} via telefon måndag till fredag klockan 8–16, eller lämna ett meddelande i {c}.",
    "{R} ansvarar för att {c} är känd hos personalen på {u}.",
    "Mötet hålls var femte vecka i {p}; dagordningen skickas ut två veckor i förväg av arbetsutskottet.",
    "Målgruppen är {g}, och arbetet utgår från samverkansplanen {y}–{z}.",
    "Om {c} inte räcker eskaleras frågan till samordningsgruppen, som kan fatta ett inriktningsbeslut.",
    "{R} {v} {c} och återkopplar resultatet till NOSAM {p} och den politiska samrådsgruppen.",
    "Ett {a} arbetssätt minskar risken för att den enskilde faller mellan stolarna.",
    "Under {y} följde {u} upp {n} ärenden och redovisade resultatet i årsrapporten.",
)
# Sentences about the page's own topic ({t}) and the words that go with it ({w}).
TOPICAL = (
    "Syftet med {t} är att insatserna ska fungera utan glapp mellan huvudmännen.",
    "Läs mer om {t} på sidan för {u}, där även kontaktuppgifter och öppettider finns.",
    "{R} {v} {w} inom {t} och dokumenterar det i {c}.",
    "När det gäller {t} är {w} det viktigaste, enligt {u} i {p}.",
    "Avvikelser som rör {t} rapporteras i MedControl Pro och analyseras två gånger per år.",
    "Under {y} ökade andelen {w} inom {t} med {k} procent.",
    "Rutinen för {t} beskriver {w} steg för steg, från första kontakt till uppföljning.",
)
TOPIC_WORDS = {
    "SIP": ("kallelse till SIP", "SIP-samordnaren", "SAMSA", "vårdnadshavarens samtycke", "SIP-mötet"),
    "samordnad individuell plan": ("samordnad individuell plan", "SIP", "planens uppföljning", "SAMSA"),
    "in- och utskrivning": ("utskrivningsklar patient", "trygg hemgång", "SAMSA", "vårdplanering"),
    "avvikelser i samverkan": ("avvikelserapport", "MCP", "händelseanalys", "avvikelsehantering"),
    "demens": ("demensdiagnos", "proaktiv SIP", "anhörigstöd", "demensteamet"),
    "suicidprevention": ("MHFA-utbildning", "första hjälpen till psykisk hälsa", "riskbedömning"),
    "psykisk ohälsa hos unga": ("BUP", "elevhälsan", "ungdomsmottagningen", "EVI"),
    "missbruk och beroende": ("Mini-Maria", "socialmedicinsk mottagning", "beroendevård", "substansbruk"),
}

@dataclass
class GeneratedPage:
    """One generated page, with the fields the Page model needs."""

    slug: str
    title: str
    type: str
    summary: str
    text: str
    tags: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)


def _compound(rng: random.Random) -> str:
    return rng.choice(FIRST) + rng.choice(SECOND)


def _sentence(rng: random.Random, topic: str, place: str, year: int) -> str:
    if rng.random() < 0.55:
        template = rng.choice(TOPICAL)
        words = TOPIC_WORDS.get(topic) or (topic, _compound(rng), _compound(rng))
    else:
        template, words = rng.choice(GENERAL), ("",)
    values = {
        "R": rng.choice(ROLES).capitalize(), "v": rng.choice(VERBS), "a": rng.choice(ADJ),
        "c": _compound(rng), "C": _compound(rng).capitalize(), "u": rng.choice(UNITS), "p": place,
        "t": topic, "w": rng.choice(words), "y": year, "z": year + 3, "n": rng.randint(12, 480),
        "k": rng.randint(5, 60), "g": rng.choice(TARGET_GROUPS).lower(),
    }
    return template.format(**values)


def generate(n: int, seed: int = 1) -> Iterator[GeneratedPage]:
    """Yield `n` pages; the same (n, seed) always gives the same pages."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    for i in range(n):
        kind, titles = rng.choice(KINDS)
        topic, place, year = rng.choice(TOPICS), rng.choice(PLACES), rng.randint(2019, 2026)
        title = rng.choice(titles).format(t=topic, p=place, u=rng.choice(UNITS).capitalize(), y=year)
        title = f"{title[0].upper()}{title[1:]} ({i})" if i >= 200 else title[0].upper() + title[1:]
        words_wanted = rng.randint(300, 700)
        paragraphs, count = [], 0
        while count < words_wanted:
            para = " ".join(_sentence(rng, topic, place, year) for _ in range(rng.randint(2, 5)))
            if rng.random() < 0.3:
                para = f"{_compound(rng).capitalize()}\n{para}"
            paragraphs.append(para)
            count += len(para.split())
        yield GeneratedPage(
            slug=f"sida-{i}",
            title=title,
            type=kind,
            summary=_sentence(rng, topic, place, year),
            text="\n\n".join(paragraphs),
            tags=sorted({topic, _compound(rng), rng.choice(UNITS)}),
            target_groups=sorted(set(rng.sample(TARGET_GROUPS, rng.randint(0, 2)))),
        )


if __name__ == "__main__":
    for page in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        print(f"# {page.title} [{page.type}] {page.tags} {page.target_groups}")
        print(f"{page.summary}\n\n{page.text}\n")
