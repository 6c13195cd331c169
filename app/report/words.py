"""The report's words in French and English, and how its figures are written.

Numbers and days are written as the app writes them (:mod:`app.web.i18n`); an unknown value
is the word for unknown, never 0.

>>> figure(1234, "fr"), figure(1234.5, "en"), figure(None, "en"), figure(2.345, "fr", 1)
('1\xa0234', '1,234.5', 'unknown', '2,3')
>>> share(0.256, "fr"), share(0.25, "en"), change(3, "fr"), change(-2.5, "en"), change(0, "en")
('25,6\xa0%', '25%', '+3', '−2.5', '=')
>>> change(None, "fr")
'nouveau'
"""

from __future__ import annotations

import math

import pandas as pd

from app.web.i18n import day, number
from collectors.speech import SPACE

__all__ = ["LANGUAGES", "change", "community", "episode", "figure", "moment", "share", "word"]

LANGUAGES = ("fr", "en")

# key: (French, English)
_WORDS = {
    "title": ("Rapport de diffusion", "Diffusion report"),
    "period": ("Période du {start} au {end}", "Period from {start} to {end}"),
    "before": ("comparée à la période du {start} au {end}", "compared with {start} to {end}"),
    "made": (
        "Rapport fait le {when} par essaim {version}, sur l'analyse du {analysis}.",
        "Report made on {when} by essaim {version}, from the analysis of {analysis}.",
    ),
    "unknown": ("inconnu", "unknown"),
    "new": ("nouveau", "new"),
    "none": ("Rien dans la période.", "Nothing in the period."),
    # headline
    "headline": ("Ce qui a décollé", "What took off"),
    "headline.none": (
        "Aucune ressource n'a décollé dans la période (aucun épisode de décollage).",
        "No resource took off in the period (no take-off episode).",
    ),
    "headline.episode": (
        "{title} a décollé le {start} : {adoptions} adoptions en {hours} h, {rate} fois le "
        "rythme attendu, pic le {peak}.",
        "{title} took off on {start}: {adoptions} adoptions in {hours} h, {rate} times the "
        "expected rate, peaking on {peak}.",
    ),
    "headline.cascade": (
        "La plus grande cascade en a porté {adoptions}.",
        "Its largest cascade carried {adoptions} of them.",
    ),
    "headline.community": (
        "La communauté « {community} » en a apporté le plus ({adopters} adoptants).",
        "The community '{community}' brought the most ({adopters} adopters).",
    ),
    "headline.more": (
        "Et {count} autres épisodes de décollage (voir le classement ci-dessous).",
        "And {count} other take-off episodes (see the ranking below).",
    ),
    "headline.action": (
        "Après l'action de campagne {action}.",
        "After the campaign action {action}.",
    ),
    "chart.daily": ("Adoptions par jour et par plateforme", "Adoptions per day by platform"),
    "chart.resources": (
        "Adoptions par ressource, cette période et la précédente",
        "Adoptions per resource, this period and the one before",
    ),
    "chart.day": ("Jour", "Day"),
    "chart.platform": ("Plateforme", "Platform"),
    "chart.which": ("Période", "Period"),
    "chart.this": ("cette période", "this period"),
    "chart.previous": ("période précédente", "previous period"),
    # resources
    "resources": ("Ressources classées", "Resources ranked"),
    "resources.note": (
        "Classées par portée potentielle (somme des abonnés des adoptants), puis viralité "
        "structurelle de la plus grande cascade et vélocité ; sous chaque chiffre, l'écart "
        "avec la période précédente.",
        "Ranked by potential reach (adopters' followers summed), then the structural "
        "virality of the largest cascade and velocity; under each figure, its change since "
        "the previous period.",
    ),
    "col.resource": ("Ressource", "Resource"),
    "col.adoptions": ("Adoptions", "Adoptions"),
    "col.adopters": ("Adoptants", "Adopters"),
    "col.reach": ("Portée potentielle", "Potential reach"),
    "col.virality": ("Viralité structurelle", "Structural virality"),
    "col.velocity": ("Adoptions par jour", "Adoptions per day"),
    "col.takeoff": ("Décollages", "Take-offs"),
    # campaigns
    "campaigns": ("Actions de campagne", "Campaign actions"),
    "campaigns.none": (
        "Aucune action de campagne dans la période (ou pas de fichier de campagnes).",
        "No campaign action in the period (or no campaign file).",
    ),
    "campaigns.note": (
        "Effet : rapport des taux d'adoption après et avant l'action, avec son intervalle de "
        "confiance à 95 % ; au-dessus de 1, l'action a été suivie de plus d'adoptions.",
        "Effect: the ratio of the adoption rates after and before the action, with its 95 % "
        "confidence interval; above 1, more adoptions followed the action.",
    ),
    "col.date": ("Date", "Date"),
    "col.action": ("Action", "Action"),
    "col.channel": ("Canal", "Channel"),
    "col.attributed": ("Adoptions attribuées", "Adoptions attributed"),
    "col.effect": ("Effet (rapport des taux) [IC 95 %]", "Effect (rate ratio) [95 % CI]"),
    "col.enrolments": ("Inscriptions en plus", "Extra enrolments"),
    "col.visits": ("Visites codées", "Coded visits"),
    # communities
    "communities": ("Communautés atteintes", "Communities reached"),
    "col.community": ("Communauté", "Community"),
    "col.accounts": ("Comptes adoptants", "Adopting accounts"),
    "small_groups": ("petits groupes", "small groups"),
    "no_community": ("hors communauté", "in no community"),
    # accounts
    "accounts": ("Comptes à remercier", "Accounts to thank"),
    "accounts.note": (
        "Les institutions sont nommées ; les enseignants apparaissent sous pseudonyme, sauf "
        "s'ils sont dans la liste des comptes nommés.",
        "Institutions are named; teachers appear as pseudonyms unless they are on the list of "
        "named accounts.",
    ),
    "originators": ("Initiateurs", "Originators"),
    "amplifiers": ("Amplificateurs", "Amplifiers"),
    "bridges": ("Passerelles entre communautés", "Bridges between communities"),
    "col.account": ("Compte", "Account"),
    "col.platform": ("Plateforme", "Platform"),
    "col.originated": ("Cascades lancées", "Cascades started"),
    "col.downstream": ("Adoptants venus par lui", "Adopters through it"),
    "col.bridge": ("Passerelle", "Bridge"),
    "institution": ("institution", "institution"),
    # journeys
    "journeys": ("Parcours entre plateformes", "Journeys across platforms"),
    "col.step": ("Étape", "Step"),
    "col.first_seen": ("Vue pour la première fois", "First seen"),
    "col.hours_after": ("Heures après la première", "Hours after the first"),
    "col.cascades": ("Cascades", "Cascades"),
    # use
    "use": ("Usages", "Use"),
    "use.none": (
        "Aucune donnée d'usage chargée (visites, inscriptions) : importez-en avec essaim "
        "import pour voir si la diffusion a amené des enseignants aux formations.",
        "No usage data loaded (visits, enrolments): import some with essaim import to see "
        "whether the spread brought teachers to the courses.",
    ),
    "use.funnel": ("Entonnoir de la semaine {week}", "Funnel of the week {week}"),
    "use.funnel_all": (
        "Entonnoir sur toute la période des données",
        "Funnel over all the data",
    ),
    "use.uptake": (
        "Inscriptions causées pour 100 adoptions (toutes ressources) : {value} [{low} – {high}].",
        "Enrolments caused per 100 adoptions (all resources): {value} [{low} – {high}].",
    ),
    "col.stage": ("Étape", "Stage"),
    "col.value": ("Valeur", "Value"),
    "col.kind": ("Nature du chiffre", "Kind of figure"),
    "stage.potential_audience": ("Audience potentielle", "Potential audience"),
    "stage.unique_audience": ("Audience unique", "Unique audience"),
    "stage.platform_clicks": ("Clics sur les plateformes", "Clicks on the platforms"),
    "stage.newsletter_clicks": ("Clics dans les lettres", "Newsletter clicks"),
    "stage.visits": ("Visites", "Visits"),
    "stage.visits_social": ("dont venues des réseaux", "of which from social networks"),
    "stage.visits_campaign": ("dont venues des campagnes", "of which from campaigns"),
    "stage.enrolments": ("Inscriptions", "Enrolments"),
    "stage.completions": ("Achèvements", "Completions"),
    "kind.estimate": ("estimation", "estimate"),
    "kind.platform-reported": ("donné par la plateforme", "platform-reported"),
    "kind.counted": ("compté", "counted"),
    # quality
    "quality": ("Qualité des données", "Data quality"),
    "quality.links": (
        "{links} liens trouvés, {tracked} vers les domaines suivis, {matched} rattachés à "
        "{resources} ressources du catalogue.",
        "{links} links found, {tracked} to tracked domains, {matched} matched to {resources} "
        "catalogue resources.",
    ),
    "quality.gap": (
        "Trou de collecte pour {source} ({query}) du {start} au {end}.",
        "Collection gap for {source} ({query}) from {start} to {end}.",
    ),
    "quality.no_gap": ("Aucun trou de collecte.", "No collection gap."),
    "quality.incident": (
        "{source} : {count} incident(s) de type {kind}.",
        "{source}: {count} incident(s) of kind {kind}.",
    ),
    "quality.no_incident": ("Aucun incident de collecte.", "No collection incident."),
    "quality.coverage": (
        "{source} ({query}) : {runs} collecte(s) du {first} au {last}.",
        "{source} ({query}): {runs} run(s) from {first} to {last}.",
    ),
    "methods": ("Méthodes", "Methods"),
    # the e-mail that carries it
    "mail.subject": ("essaim : rapport {label}", "essaim: report {label}"),
    "mail.body": (
        "Le rapport essaim de {label} est joint (HTML et PDF).",
        "The essaim report of {label} is attached (HTML and PDF).",
    ),
}


def word(key: str, language: str, **values) -> str:
    """The words for ``key`` in ``language`` (``fr`` or ``en``), with ``values`` filled in."""
    french, english = _WORDS[key]
    words = english if language == "en" else french
    return words.format(**values) if values else words


def _unknown(value) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def figure(value, language: str, digits: int | None = None) -> str:
    """A count or measure as written in ``language`` (rounded to ``digits`` decimals when
    given); the word for unknown when unknown."""
    if _unknown(value):
        return word("unknown", language)
    return number(value if digits is None else round(float(value), digits), language)


def share(value, language: str) -> str:
    """A share (0 to 1) as a percentage with one decimal at most."""
    if _unknown(value):
        return word("unknown", language)
    written = number(round(100 * value, 1), language)
    return f"{written}{SPACE}%" if language == "fr" else f"{written}%"


def change(value, language: str, digits: int | None = None) -> str:
    """A change against the previous period: signed, ``=`` when none, "new" when the previous
    value is unknown."""
    if _unknown(value):
        return word("new", language)
    value = value if digits is None else round(float(value), digits)
    if value == 0:
        return "="
    return ("+" if value > 0 else "−") + number(abs(value), language)


def moment(value, language: str) -> str:
    """A day and hour, Paris time: ``3 nov. 2026, 14 h 05`` or ``3 Nov 2026, 14:05``."""
    if _unknown(value):
        return word("unknown", language)
    stamp = pd.Timestamp(value)
    stamp = (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).tz_convert("Europe/Paris")
    hour = f"{stamp:%H} h {stamp:%M}" if language == "fr" else f"{stamp:%H:%M}"
    return f"{day(stamp, language)}, {hour}"


def community(label, language: str) -> str:
    """A community's name as shown: its label, or the words for small groups or none."""
    if _unknown(label):
        return word("no_community", language)
    return word("small_groups", language) if label == "small groups" else label


def episode(row: dict, language: str) -> list[str]:
    """The sentences telling a take-off episode of :func:`app.report.build.headline`: what took
    off, then (when known) the cascade, the community and the campaign action behind it."""
    told = [
        word(
            "headline.episode",
            language,
            title=row["title"] or row["resource_id"],
            start=moment(row["start"], language),
            adoptions=figure(row["adoptions"], language),
            hours=figure(row["hours"], language, 0),
            rate=figure(row["times_expected"], language, 1),
            peak=moment(row["peak"], language),
        )
    ]
    if row["cascade_adoptions"]:
        told.append(
            word("headline.cascade", language, adoptions=figure(row["cascade_adoptions"], language))
        )
    if row["community"]:
        told.append(
            word(
                "headline.community",
                language,
                community=community(row["community"], language),
                adopters=figure(row["community_adopters"], language),
            )
        )
    if row["action"]:
        told.append(word("headline.action", language, action=row["action"]))
    return told
