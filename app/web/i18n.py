"""The app's words in French (the default) and English, and how numbers and dates are written.

>>> number(12345.5, "fr"), number(12345.5, "en"), number(0.25, "fr"), number(3, "en")
('12\xa0345,5', '12,345.5', '0,25', '3')
>>> day(pd.Timestamp("2026-09-01 10:00", tz="UTC"), "fr"), day("2026-09-01", "en")
('1 sept. 2026', '1 Sep 2026')
"""

from __future__ import annotations

import datetime
import math
import re

import numpy as np
import pandas as pd

from collectors.speech import SPACE, in_french

__all__ = [
    "CHART_LOCALES",
    "COLUMNS",
    "LANGUAGES",
    "PHRASED",
    "cell",
    "column_name",
    "day",
    "depth_times",
    "moment",
    "number",
    "percent",
    "text",
    "word",
]

LANGUAGES = {"fr": "Français", "en": "English"}

#: Whole values in French: model names and adopter categories.
_PHRASES = {
    "too few adoptions to measure": "trop peu d'adoptions pour mesurer",
    # notes of the uptake and of the campaigns' effect on use
    "too few days to measure": "trop peu de jours pour mesurer",
    "too few enrolments to measure": "trop peu d'inscriptions pour mesurer",
    "no enrolments imported": "aucune inscription importée",
    "no visits imported": "aucune visite importée",
    "no completions imported": "aucun achèvement importé",
    "no views imported": "aucune vue importée",
    "singular: the adoptions at some lags cannot be told apart": (
        "singulier : les adoptions de certains délais ne se distinguent pas"
    ),
    "no baseline keeps every mean positive": (
        "aucune ligne de base ne garde toutes les moyennes positives"
    ),
    "did not converge": "n'a pas convergé",
    "its links lead to no catalogue resource": (
        "ses liens ne mènent à aucune ressource du catalogue"
    ),
    "no enrolments loaded": "aucune inscription chargée",
    "no cost in the campaign file": "aucun coût dans le fichier de campagne",
    "excess enrolments unknown": "inscriptions en excès inconnues",
    "no excess enrolments": "aucune inscription en excès",
    "external": "externe",
    "bass": "Bass",
    "generalized bass": "Bass généralisé",
    "fitted": "ajusté",
    "innovator": "innovateurs",
    "early adopter": "adoptants précoces",
    "early majority": "majorité précoce",
    "late majority": "majorité tardive",
    "laggard": "retardataires",
}

#: Parts of a fit's status in French, replaced in this order (regular expressions).
_PARTS = [
    ("^flagged: ", "signalé : "),
    ("^refused: ", "refusé : "),
    ("; ", " ; "),
    ("no saturation seen yet: m is a lower bound",
     "pas encore de saturation : m est une borne inférieure"),
    ("no external influence detectable", "aucune influence externe détectable"),
    ("no imitation detectable", "aucune imitation détectable"),
    (r"\b([pq]) undetermined", r"\1 indéterminé"),
    ("no effect of (.+?) detectable", r"aucun effet de \1 détectable"),
    ("effect of (.+?) undetermined", r"effet de \1 indéterminé"),
    ("no campaign action in the days observed",
     "aucune action de campagne dans les jours observés"),
    (r"(\d+) time points?, at least (\d+) are needed", r"\1 jours, il en faut au moins \2"),
    ("adoption never grows after the first time point",
     "l'adoption ne croît plus après le premier jour"),
    (r" days \[", " jours ["),
]  # fmt: skip

_MONTHS = {
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}  # fmt: skip

#: How charts write numbers and dates in French (d3's locale definitions, which Vega reads from
#: a chart's ``config.locale``); English charts keep Vega's own.
CHART_LOCALES = {
    "fr": {
        "number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3],
                   "currency": ["", "\u00a0€"]},
        "time": {
            "dateTime": "%A %e %B %Y à %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
            "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
            "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                       "septembre", "octobre", "novembre", "décembre"],
            "shortMonths": _MONTHS["fr"],
        },
    }
}  # fmt: skip

# key: (French, English)
_TEXTS = {
    # navigation and sidebar
    "app.title": ("essaim : l'essaimage des ressources", "essaim: how resources spread"),
    "page.overview": ("Vue d'ensemble", "Overview"),
    "page.resource": ("Ressource", "Resource"),
    "page.network": ("Réseau", "Network"),
    "page.communities": ("Communautés", "Communities"),
    "page.accounts": ("Comptes", "Accounts"),
    "page.quality": ("Qualité des données", "Data quality"),
    "page.compare": ("Comparer", "Compare"),
    "page.usage": ("Usages", "Use"),
    "sidebar.language": ("Langue", "Language"),
    "sidebar.filters": ("Filtres", "Filters"),
    "filter.period": ("Période", "Period"),
    "filter.platforms": ("Plateformes", "Platforms"),
    "filter.parcours": ("Parcours", "Parcours"),
    "filter.resources": ("Ressources", "Resources"),
    "filter.communities": ("Communautés", "Communities"),
    "filter.all": ("toutes", "all"),
    "filter.note": (
        "Les filtres s'appliquent aux adoptions (une période écarte celles dont l'heure "
        "est inconnue) ; les mesures calculées par l'analyse (portée, cascades, communautés) "
        "portent sur toute la période analysée.",
        "Filters apply to adoptions (a period leaves out those whose time is unknown); the "
        "figures computed by the analysis (reach, cascades, communities) cover the whole "
        "period analysed.",
    ),
    "data.busy": (
        "Un chargement est en cours : les chiffres affichés sont ceux d'avant ; la page se "
        "mettra à jour quand il sera fini.",
        "A load is running: the figures shown are from before it; the page refreshes when it ends.",
    ),
    "data.busy_empty": (
        "Un chargement est en cours et cette vue n'a pas encore été lue ; elle apparaîtra "
        "quand il sera fini.",
        "A load is running and this view has not been read yet; it appears when the load ends.",
    ),
    "data.none": (
        "Pas encore de base de données dans {path} : lancez `essaim load` puis "
        "`essaim analyze` (ou `essaim demo`).",
        "No database yet in {path}: run `essaim load` then `essaim analyze` (or `essaim demo`).",
    ),
    "data.no_analysis": (
        "Pas encore d'analyse : lancez `essaim analyze`.",
        "No analysis yet: run `essaim analyze`.",
    ),
    "data.empty": ("Aucune donnée pour cette sélection.", "No data for this selection."),
    "data.analysis": (
        "Analyse du {when}, règle de parenté « {rule} ».",
        "Analysis of {when}, parent rule '{rule}'.",
    ),
    # downloads
    "download.csv": ("CSV", "CSV"),
    "download.parquet": ("Parquet", "Parquet"),
    "download.png": ("PNG", "PNG"),
    "download.svg": ("SVG", "SVG"),
    "download.gexf": ("GEXF", "GEXF"),
    "download.graphml": ("GraphML", "GraphML"),
    "download.meta": ("métadonnées", "metadata"),
    "download.label": ("Télécharger", "Download"),
    # overview
    "overview.news": ("Quoi de neuf", "What's new"),
    "overview.news_period": (
        "Du {first} au {last}, comparé aux {days} jours précédents.",
        "From {first} to {last}, against the {days} days before.",
    ),
    "overview.news_none": (
        "Aucune ressource n'a décollé dans ces jours (aucun épisode de décollage).",
        "No resource took off in these days (no take-off episode).",
    ),
    "overview.news_more": ("Et {count} autres décollages.", "And {count} other take-offs."),
    "overview.news_adopted": (
        "Les ressources adoptées dans ces jours",
        "The resources adopted in these days",
    ),
    "overview.figures": ("Chiffres clés", "Key figures"),
    "overview.adoptions": ("Adoptions", "Adoptions"),
    "overview.adopters": ("Comptes adoptants", "Adopting accounts"),
    "overview.resources_reached": ("Ressources diffusées", "Resources spread"),
    "overview.potential_reach": ("Portée potentielle", "Potential reach"),
    "overview.unique_audience": ("Audience unique", "Unique audience"),
    "overview.engaged_accounts": ("Comptes engagés", "Engaged accounts"),
    "kind.potential": (
        "potentielle : somme des abonnés des adoptants",
        "potential: adopters' followers summed",
    ),
    "kind.range": (
        "fourchette : abonnés observés … borne haute",
        "range: followers observed … upper bound",
    ),
    "figure.unknown": ("inconnue", "unknown"),
    "figure.at_least": ("au moins {low}", "at least {low}"),
    "kind.observed": ("observée : comptes vus agir", "observed: accounts seen acting"),
    "overview.ranking": ("Ressources par portée et viralité", "Resources by reach and virality"),
    "overview.virality": ("Viralité structurelle", "Structural virality"),
    "overview.takeoff": ("Ce qui décolle maintenant", "Taking off now"),
    "overview.no_takeoff": (
        "Aucune ressource ne décolle à la dernière heure analysée.",
        "No resource is taking off at the last hour analysed.",
    ),
    "overview.timeline": (
        "Adoptions dans le temps, par plateforme (campagnes en traits verticaux)",
        "Adoptions over time by platform (campaigns as vertical rules)",
    ),
    # time slider
    "replay.until": ("Adoptions jusqu'au", "Adoptions up to"),
    "replay.play": ("Rejouer", "Replay"),
    "replay.shown": (
        "{adopters} comptes avaient adopté au {day}.",
        "{adopters} accounts had adopted by {day}.",
    ),
    "replay.untimed": (
        "{count} adoptants sans date connue n'apparaissent qu'au dernier jour.",
        "{count} adopters of unknown time appear on the last day only.",
    ),
    # the story of a resource
    "story.totals": (
        "{title} : {adoptions} adoptions par {adopters} comptes.",
        "{title}: {adoptions} adoptions by {adopters} accounts.",
    ),
    "story.totals_days": (
        "{title} : {adoptions} adoptions par {adopters} comptes, du {first} au {last}.",
        "{title}: {adoptions} adoptions by {adopters} accounts, from {first} to {last}.",
    ),
    "story.one_platform": (
        "Elle est restée sur {platform}, où elle est apparue le {when}.",
        "It stayed on {platform}, where it was first seen on {when}.",
    ),
    "story.platforms": (
        "Elle est apparue d'abord sur {platform} le {when}, puis sur {others}.",
        "It was first seen on {platform} on {when}, then on {others}.",
    ),
    "story.cascade": (
        "Sa plus grande cascade a réuni {size} comptes (profondeur {depth}).",
        "Its largest cascade gathered {size} accounts (depth {depth}).",
    ),
    "story.cascade_virality": (
        "Sa plus grande cascade a réuni {size} comptes (profondeur {depth}, viralité "
        "structurelle {virality}).",
        "Its largest cascade gathered {size} accounts (depth {depth}, structural virality "
        "{virality}).",
    ),
    "story.no_takeoff": (
        "Elle n'a pas décollé (aucun épisode de décollage).",
        "It did not take off (no take-off episode).",
    ),
    "story.takeoff": (
        "Elle a décollé {count} fois ; la première le {when} ({adoptions} adoptions).",
        "It took off {count} times; first on {when} ({adoptions} adoptions).",
    ),
    "story.takeoff_once": (
        "Elle a décollé une fois, le {when} ({adoptions} adoptions).",
        "It took off once, on {when} ({adoptions} adoptions).",
    ),
    "story.community": (
        "Elle a atteint une communauté, « {first} », le {when}.",
        "It reached one community, '{first}', on {when}.",
    ),
    "story.communities": (
        "Elle a atteint {count} communautés ; la première, « {first} », le {when}.",
        "It reached {count} communities; the first, '{first}', on {when}.",
    ),
    "story.carriers": (
        "Ceux qui l'ont le plus portée : {names}.",
        "Those who carried it most: {names}.",
    ),
    # resource
    "resource.choose": ("Ressource", "Resource"),
    "resource.timeline": ("Chronologie", "Timeline"),
    "resource.per_day": ("par jour", "per day"),
    "resource.cumulative": ("cumulé", "cumulative"),
    "resource.cascades": ("Cascades", "Cascades"),
    "resource.tree": ("Arbre de cascade", "Cascade tree"),
    "resource.choose_cascade": ("Cascade", "Cascade"),
    "resource.story": ("Comment elle s'est diffusée", "How it spread"),
    "resource.tree_replay": (
        "En gris : les comptes qui n'avaient pas encore adopté au jour choisi sous l'arbre "
        "(« Rejouer » montre la cascade jour après jour).",
        "Grey: accounts that had not adopted yet by the day chosen under the tree ('Replay' "
        "shows the cascade day by day).",
    ),
    "resource.edge_legend": (
        "Liens : plein et foncé = parent certain (indiqué par la plateforme) ; plus pâle = "
        "moins probable (opacité = probabilité du parent) ; en tirets = probabilité inconnue "
        "(heures inconnues, ou aucun candidat suivi).",
        "Edges: solid and dark = certain parent (stated by the platform); paler = less likely "
        "(opacity = the parent's probability); dashed = probability unknown (times unknown, or "
        "no followed candidate).",
    ),
    "resource.confidence": ("probabilité du parent", "parent's probability"),
    "resource.unknown_confidence": (
        "probabilité du parent inconnue",
        "parent's probability unknown",
    ),
    "resource.candidates": ("candidats", "candidates"),
    "resource.journey": ("Parcours entre plateformes", "Journey across platforms"),
    "resource.communities": (
        "Communautés atteintes (ordre d'arrivée)",
        "Communities reached (order of arrival)",
    ),
    "resource.roles": ("Initiateurs et amplificateurs", "Originators and amplifiers"),
    "resource.institutions": (
        "Part institutionnelle et part de terrain",
        "Institutional and grassroots share",
    ),
    "resource.bass": ("Modèles d'adoption", "Adoption models"),
    "resource.bass_note": (
        "Adoptants nouveaux par jour, par maximum de vraisemblance : innovation seule "
        "(externe), Bass (p influence externe, q imitation, par jour ; m adoptants à terme) et, "
        "si des actions de campagne visent la ressource, Bass généralisé (chaque action avance "
        "la diffusion de quelques jours : impulsions). Intervalles à 95 % élargis par la "
        "dispersion ; retenu : le modèle le plus simple à moins de 2 du QAIC le plus bas. "
        "« Signalé » : un paramètre touche une borne ou n'est connu qu'à un facteur 10 près, "
        "à ne pas interpréter.",
        "New adopters per day, by maximum likelihood: innovation only (external), Bass (p "
        "external influence, q imitation, per day; m adopters in the end) and, when campaign "
        "actions target the resource, generalized Bass (each action brings diffusion some days "
        "forward: impulses). 95 % intervals widened by the dispersion; chosen: the simplest "
        'model within 2 of the lowest QAIC. "Flagged": a parameter is at a bound or known '
        "only within a factor of 10, not to be read.",
    ),
    "resource.categories": ("Catégories d'adoptants (Rogers)", "Adopter categories (Rogers)"),
    "resource.categories_shares": (
        "Rogers (2003) : les premiers 2,5 % des adoptants dans l'ordre d'adoption sont les "
        "innovateurs, puis 13,5 % d'adoptants précoces, 34 % de majorité précoce, 34 % de "
        "majorité tardive, 16 % de retardataires ; les adoptants simultanés restent ensemble.",
        "Rogers (2003): the first 2.5 % of adopters in order of adoption are the innovators, "
        "then 13.5 % early adopters, 34 % early majority, 34 % late majority, 16 % laggards; "
        "adopters at the same time stay together.",
    ),
    "resource.categories_sigma": (
        "Rogers (2003), règle des écarts-types : dates d'adoption coupées à la moyenne moins "
        "2σ, moins σ, à la moyenne et à la moyenne plus σ.",
        "Rogers (2003), standard-deviation rule: adoption times cut at the mean minus 2σ, "
        "minus σ, the mean and the mean plus σ.",
    ),
    "resource.reach": ("Portée", "Reach"),
    "resource.takeoff": ("Décollages", "Take-off episodes"),
    "resource.takeoff_note": (
        "Épisodes de sursaut (automate à deux états de Kleinberg, 2002) : des heures où les "
        "adoptions dépassent nettement le rythme propre de la ressource à cette heure de la "
        "semaine ; la cascade et la communauté qui en ont apporté le plus, et l'action de "
        "campagne qui les précède.",
        "Burst episodes (Kleinberg's two-state automaton, 2002): hours when adoptions clearly "
        "exceed the resource's own rate at that hour of the week; the cascade and community "
        "that brought the most of them, and the campaign action before them.",
    ),
    "resource.campaigns": ("Actions de campagne", "Campaign actions"),
    "resource.campaigns_note": (
        "Adoptions attribuées : liens portant les paramètres de suivi de l'action (utm, xtor) "
        "dans sa fenêtre. Rapport des taux : après / avant l'action, corrigé du jour de la "
        "semaine et des vacances scolaires (modèle de Poisson, intervalle à 95 %).",
        "Attributed adoptions: links carrying the action's tracking parameters (utm, xtor) in "
        "its window. Rate ratio: after / before the action, adjusted for the day of the week "
        "and school holidays (Poisson model, 95 % interval).",
    ),
    # network
    "network.centrality": ("Taille des nœuds selon", "Node size by"),
    "network.budget": ("Nœuds affichés au plus", "Nodes shown at most"),
    "network.overlay": ("Adoptions superposées de", "Overlay the adoptions of"),
    "network.all_resources": ("toutes les ressources choisies", "every resource chosen"),
    "network.community": ("communauté", "community"),
    "network.aggregate": (
        "Graphe des communautés (agrégé)",
        "Community graph (aggregated)",
    ),
    "network.pruned": (
        "{shown} comptes affichés sur {total} : les {shown} de plus forte {centrality}, "
        "liens entre eux seulement.",
        "{shown} of {total} accounts shown: the {shown} with the highest {centrality}, with the "
        "ties among them only.",
    ),
    "network.ties": (
        "Seuls les {drawn} liens les plus forts sont dessinés.",
        "Only the {drawn} strongest ties are drawn.",
    ),
    "network.complete": ("Les {total} comptes sont affichés.", "All {total} accounts are shown."),
    "network.legend": (
        "Couleur : la communauté des comptes ayant adopté au jour choisi sous le réseau ; en "
        "gris : les autres (filtres de la barre latérale appliqués ; « Rejouer » montre la "
        "diffusion jour après jour). Survolez un nœud pour sa fiche, cliquez pour voir ses "
        "voisins.",
        "Colour: the community of the accounts that had adopted by the day chosen under the "
        "network; grey: the others (sidebar filters applied; 'Replay' shows the spread day by "
        "day). Hover a node for its card, click it to focus on its neighbours.",
    ),
    "network.aggregated_note": (
        "Un nœud par communauté (taille : membres), liens : relations entre communautés.",
        "One node per community (size: members); edges: ties between communities.",
    ),
    # communities
    "communities.table": ("Communautés", "Communities"),
    "communities.modularity": ("Modularité", "Modularity"),
    "communities.count": ("Communautés", "Communities"),
    "communities.small_groups": ("Comptes en petits groupes", "Accounts in small groups"),
    "communities.small": ("petits groupes", "small groups"),
    "communities.stability": (
        "Stabilité (IMN moyenne entre {seeds} graines)",
        "Stability (mean NMI across {seeds} seeds)",
    ),
    "communities.stability_none": (
        "Stabilité (non mesurée : essaim analyze --stability 5)",
        "Stability (not measured: essaim analyze --stability 5)",
    ),
    "communities.definition": (
        "Une communauté compte au moins {min_size} comptes ; les groupes plus petits sont "
        "réunis en « petits groupes » (communauté -1). Chaque libellé réunit les termes les "
        "plus distinctifs de la communauté face aux autres (log-odds pondéré, a priori de "
        "Dirichlet informatif) : contextes, ressources adoptées, institutions auxquelles ses "
        "comptes sont liés.",
        'A community has at least {min_size} accounts; smaller groups are grouped as "small '
        'groups" (community -1). Each label joins the terms most distinctive of the community '
        "against the others (weighted log-odds, informative Dirichlet prior): contexts, "
        "resources adopted, institutions its accounts are tied to.",
    ),
    "communities.resources": (
        "Ressources adoptées par communauté (adoptants)",
        "Resources adopted by each community (adopters)",
    ),
    "communities.bridges": ("Comptes passerelles", "Bridge accounts"),
    "communities.bridges_rule": (
        "Passerelles : au plus {share} % des comptes, ceux par qui passe la plus grande part "
        "des plus courts chemins entre communautés (puis par coefficient de participation).",
        "Bridges: at most {share} % of the accounts, those carrying the largest share of the "
        "shortest paths between communities (then by participation coefficient).",
    ),
    # accounts
    "accounts.search": ("Chercher un compte", "Search an account"),
    "accounts.note": (
        "Les comptes de personnes sont pseudonymisés ; seuls les comptes institutionnels de la "
        "liste blanche gardent leur nom.",
        "Individuals' accounts are pseudonymised; only allow-listed institutional accounts keep "
        "their names.",
    ),
    # quality
    "quality.runs": ("Collectes", "Runs"),
    "quality.counts": (
        "Enregistrements par source et plateforme",
        "Records by source and platform",
    ),
    "quality.coverage": ("Couverture et trous", "Coverage and gaps"),
    "quality.incidents": (
        "Incidents (limites de débit, pages en échec)",
        "Incidents (rate limits, failed pages)",
    ),
    "quality.links": ("Liens", "Links"),
    "quality.unmatched": (
        "Liens vers des domaines suivis sans ressource du catalogue",
        "Links to tracked domains matching no catalogue resource",
    ),
    "quality.methods": ("Méthodes", "Methods"),
    # compare
    "compare.mode": ("Comparer", "Compare"),
    "compare.resources": ("des ressources", "resources"),
    "compare.periods": ("des périodes", "periods"),
    "compare.choose": ("Ressources à comparer", "Resources to compare"),
    "compare.first": ("Première période", "First period"),
    "compare.second": ("Seconde période", "Second period"),
    "compare.need_two": ("Choisissez au moins deux ressources.", "Choose at least two resources."),
    "compare.days": ("jours écoulés", "days elapsed"),
    "compare.curves": ("Adoptions cumulées", "Cumulative adoptions"),
    "usage.none": (
        "Aucune donnée d'usage analysée. Importez les journaux Moodle, les rapports d'audience "
        "ou de lettres d'information (essaim import moodle-log, matomo, piano, brevo…), puis "
        "essaim load et essaim analyze.",
        "No usage data analysed. Import Moodle logs, analytics or newsletter reports (essaim "
        "import moodle-log, matomo, piano, brevo…), then essaim load and essaim analyze.",
    ),
    "usage.choose": ("Ressource", "Resource"),
    "usage.all": ("Toutes les ressources", "Every resource"),
    "usage.funnel": (
        "Entonnoir : de la diffusion à l'inscription",
        "Funnel: from the spread to enrolment",
    ),
    "usage.funnel_help": (
        "Chaque étape dit de quelle sorte de chiffre il s'agit. Une étape qu'aucune source ne "
        "mesure est « inconnue », jamais 0.",
        "Each stage says what kind of figure it is. A stage no source measures is "
        '"unknown", never 0.',
    ),
    "usage.stage": ("Étape", "Stage"),
    "usage.value": ("Valeur (échelle logarithmique)", "Value (logarithmic scale)"),
    "usage.unknown": ("inconnu", "unknown"),
    "usage.stage.potential_audience": ("Audience potentielle", "Potential audience"),
    "usage.stage.unique_audience": ("Audience unique", "Unique audience"),
    "usage.stage.platform_clicks": (
        "Clics déclarés par les plateformes",
        "Clicks reported by the platforms",
    ),
    "usage.stage.newsletter_clicks": ("Clics des lettres d'information", "Newsletter clicks"),
    "usage.stage.visits": ("Visites", "Visits"),
    "usage.stage.visits_social": (
        "Visites venues des réseaux sociaux",
        "Visits from social networks",
    ),
    "usage.stage.visits_campaign": (
        "Visites venues d'une campagne (xtor, utm)",
        "Visits from a campaign (xtor, utm)",
    ),
    "usage.stage.enrolments": ("Inscriptions", "Enrolments"),
    "usage.stage.completions": ("Achèvements", "Completions"),
    "usage.kind.estimate": ("estimation", "estimate"),
    "usage.kind.platform-reported": ("déclaré par la plateforme", "reported by the platform"),
    "usage.kind.counted": ("compté", "counted"),
    "usage.timeline": (
        "Adoptions, visites et inscriptions par jour",
        "Adoptions, visits and enrolments per day",
    ),
    "usage.per_day": ("par jour", "per day"),
    "usage.series.adoptions": ("adoptions", "adoptions"),
    "usage.series.visit": ("visites", "visits"),
    "usage.series.enrolment": ("inscriptions", "enrolments"),
    "usage.uptake": ("La diffusion précède-t-elle l'usage ?", "Does the spread precede use?"),
    "usage.uptake_sentence": (
        "**{value}** {outcome} pour 100 adoptions (intervalle à 95 % : {low} à {high}), dans "
        "les 14 jours qui suivent chaque adoption.",
        "**{value}** {outcome} per 100 adoptions (95 % interval: {low} to {high}), within the "
        "14 days after each adoption.",
    ),
    "usage.outcome.enrolment": ("inscriptions", "enrolments"),
    "usage.outcome.visit": ("visites", "visits"),
    "usage.outcome.completion": ("achèvements", "completions"),
    "usage.no_uptake": ("Pas d'estimation : {note}.", "No estimate: {note}."),
    "usage.placebo_ok": (
        "Contrôle placebo : les adoptions décalées dans le futur n'expliquent rien (leur "
        "intervalle contient 0).",
        "Placebo check: adoptions moved into the future explain nothing (their interval "
        "contains 0).",
    ),
    "usage.placebo_failed": (
        "Contrôle placebo échoué : des adoptions futures « expliquent » les inscriptions. "
        "L'estimation ci-dessus ne mérite pas confiance (tendance commune non prise en compte).",
        'Placebo check failed: future adoptions "explain" the enrolments. The estimate above '
        "is not to be trusted (a shared trend the model misses).",
    ),
    "usage.placebo_unknown": (
        "Contrôle placebo impossible : {note}.",
        "Placebo check not possible: {note}.",
    ),
    "usage.lag": ("Jours après l'adoption", "Days after the adoption"),
    "usage.per_100": ("pour 100 adoptions", "per 100 adoptions"),
    "usage.campaigns": ("Campagnes : inscriptions et coût", "Campaigns: enrolments and cost"),
    "usage.channels": ("Visites du site par canal", "Site visits by channel"),
    "usage.channels_help": (
        "Ce que les sources comptent pour tout le site, sans nommer de page : visites venues de "
        "chaque réseau social et de chaque code de campagne, destinataires, ouvertures et clics "
        "de chaque lettre d'information. Aucun entonnoir de ressource ne les compte.",
        "What the sources count for the whole site, naming no page: visits from each social "
        "network and campaign code, each newsletter's recipients, opens and clicks. No "
        "resource's funnel counts them.",
    ),
    "usage.unmatched": ("Usages hors catalogue", "Use outside the catalogue"),
}

#: Every column a page shows: (French, English) header.
COLUMNS = {
    "resource_id": ("ressource", "resource"),
    "start": ("début", "start"),
    "end": ("fin", "end"),
    "peak": ("pic", "peak"),
    "peak_adoptions": ("adoptions au pic (par h)", "adoptions at the peak (per h)"),
    "adoptions_per_hour": ("adoptions par heure", "adoptions per hour"),
    "expected_per_hour": ("attendues par heure", "expected per hour"),
    "cascade_adoptions": ("adoptions de la plus grande cascade", "largest cascade's adoptions"),
    "community_adopters": ("adoptants de la communauté", "community's adopters"),
    "action": ("action de campagne", "campaign action"),
    "attributed_adoptions": ("adoptions attribuées", "attributed adoptions"),
    "adoptions_per_day_before": ("adoptions par jour avant", "adoptions per day before"),
    "adoptions_per_day_after": ("adoptions par jour après", "adoptions per day after"),
    "rate_ratio": ("rapport des taux", "rate ratio"),
    "rate_ratio_low": ("rapport des taux (bas 95 %)", "rate ratio (95 % low)"),
    "rate_ratio_high": ("rapport des taux (haut 95 %)", "rate ratio (95 % high)"),
    "note": ("remarque", "note"),
    "title": ("titre", "title"),
    "platform": ("plateforme", "platform"),
    "adoptions": ("adoptions", "adoptions"),
    "adoptions_change": ("évolution des adoptions", "change in adoptions"),
    "takeoff": ("décollages", "take-offs"),
    "adopters": ("adoptants", "adopters"),
    "account": ("compte", "account"),
    "community": ("communauté", "community"),
    "label": ("libellé", "label"),
    "size": ("taille", "size"),
    "depth": ("profondeur", "depth"),
    "max_breadth": ("largeur max.", "max breadth"),
    "structural_virality": ("viralité structurelle", "structural virality"),
    **{
        f"{metric}_{part}": (f"{french} ({fr_part})", f"{english} ({en_part})")
        for metric, french, english in (
            ("depth", "profondeur", "depth"),
            ("max_breadth", "largeur max.", "max breadth"),
            ("structural_virality", "viralité", "virality"),
            ("downstream", "adoptants en aval", "adopters downstream"),
        )
        for part, fr_part, en_part in (
            ("mean", "moyenne", "mean"),
            ("low", "bas 90 %", "90 % low"),
            ("high", "haut 90 %", "90 % high"),
        )
    },
    "downstream": ("adoptants en aval", "adopters downstream"),
    "hours_to_depth": (
        "heures jusqu'à la profondeur 1, 2… [intervalle 90 %] (probabilité de l'atteindre)",
        "hours to depth 1, 2… [90 % interval] (probability of reaching it)",
    ),
    "stated_share": ("part indiquée", "stated share"),
    "lifetime_hours": ("durée (h)", "lifetime (h)"),
    "half_life_hours": ("demi-vie (h)", "half-life (h)"),
    "started_at": ("début", "started"),
    "share": ("part", "share"),
    "arrived_at": ("arrivée", "arrived"),
    "bridge": ("passerelle", "bridge"),
    "bridge_rank": ("rang de passerelle", "bridge rank"),
    "participation": ("coefficient de participation", "participation coefficient"),
    "brokerage": ("courtage entre communautés", "brokerage between communities"),
    "other_communities": ("autres communautés liées", "other communities tied"),
    "contexts": ("contextes distinctifs", "distinctive contexts"),
    "shared_resources": ("ressources distinctives", "distinctive resources"),
    "institutions": ("institutions distinctives", "distinctive institutions"),
    "figure": ("mesure", "figure"),
    "kind": ("nature", "kind"),
    "value": ("valeur", "value"),
    "low": ("bas", "low"),
    "high": ("haut", "high"),
    "day": ("jour", "day"),
    "period": ("période", "period"),
    "pagerank": ("PageRank", "PageRank"),
    "coreness": ("k-cœur", "coreness"),
    "betweenness": ("intermédiarité", "betweenness"),
    "velocity": ("vitesse (par h)", "velocity (per h)"),
    "model": ("modèle", "model"),
    "chosen": ("retenu", "chosen"),
    "status": ("statut", "status"),
    "points": ("jours", "days"),
    **{
        f"{name}_{end}": (f"{name} ({fr_end})", f"{name} ({en_end})")
        for name in ("m", "p", "q")
        for end, fr_end, en_end in (
            ("low", "bas 95 %", "95 % low"),
            ("high", "haut 95 %", "95 % high"),
        )
    },
    "impulses": ("impulsions (jours gagnés)", "impulses (days gained)"),
    "dispersion": ("dispersion φ", "dispersion φ"),
    "qaic": ("QAIC", "QAIC"),
    "r2": ("R²", "R²"),
    "peak_days": ("pic (jours)", "peak (days)"),
    "category": ("catégorie", "category"),
    "baseline": ("niveau de base", "baseline"),
    "m": ("m (adoptants à terme)", "m (adopters in the end)"),
    "p": ("p (influence externe)", "p (external influence)"),
    "q": ("q (imitation)", "q (imitation)"),
    "potential_reach": ("portée potentielle", "potential reach"),
    "unique_audience": ("audience unique", "unique audience"),
    "engaged_accounts": ("comptes engagés", "engaged accounts"),
    "cascades": ("cascades", "cascades"),
    "cascade": ("cascade", "cascade"),
    "largest_cascade": ("plus grande cascade", "largest cascade"),
    "hour": ("heure", "hour"),
    "coverage": ("couverture", "coverage"),
    "step": ("étape", "step"),
    "first_seen_at": ("vue la première fois", "first seen"),
    "hours_after_first": ("heures après la première", "hours after the first"),
    "cascades_started": ("cascades lancées", "cascades started"),
    "cascades_joined": ("cascades rejointes", "cascades joined"),
    "started_reach": ("adoptants des cascades lancées", "adopters of the cascades started"),
    "originator": ("initiateur", "originator"),
    "amplifier": ("amplificateur", "amplifier"),
    "institutional_adopters": ("adoptants institutionnels", "institutional adopters"),
    "adopters_through_institutions": ("adoptants via les institutions",
                                      "adopters through institutions"),
    "share_through_institutions": ("part via les institutions", "share through institutions"),
    "institutional_potential_reach": ("portée potentielle institutionnelle",
                                      "institutional potential reach"),
    "institutional_reach_share": ("part institutionnelle de la portée",
                                  "institutional share of the reach"),
    "unknown_because": ("inconnue car", "unknown because"),
    "stage": ("étape", "stage"),
    "source": ("source", "source"),
    "date": ("date", "date"),
    "channel": ("canal", "channel"),
    "resources": ("ressources", "resources"),
    "window_days": ("fenêtre (jours)", "window (days)"),
    "recipients": ("destinataires", "recipients"),
    "opens": ("ouvertures", "opens"),
    "clicks": ("clics", "clicks"),
    "resource_clicks": ("clics vers la ressource", "clicks to the resource"),
    "codes": ("codes de campagne", "campaign codes"),
    "coded_visits": ("visites avec un code", "visits with a code"),
    "enrolments_in_window": ("inscriptions dans la fenêtre", "enrolments in the window"),
    "enrolments_before": ("inscriptions avant", "enrolments before"),
    "enrolments_after": ("inscriptions après", "enrolments after"),
    "days_before": ("jours avant", "days before"),
    "days_after": ("jours après", "days after"),
    "expected_after": ("attendues après", "expected after"),
    "overdispersion": ("surdispersion", "overdispersion"),
    "excess_enrolments": ("inscriptions en plus", "excess enrolments"),
    "excess_low": ("en plus (bas 95 %)", "excess (95 % low)"),
    "excess_high": ("en plus (haut 95 %)", "excess (95 % high)"),
    "cost": ("coût", "cost"),
    "cost_per_enrolment": ("coût par inscription", "cost per enrolment"),
    "cost_per_enrolment_low": ("coût par inscription (bas 95 %)", "cost per enrolment (95 % low)"),
    "cost_per_enrolment_high": ("coût par inscription (haut 95 %)",
                                "cost per enrolment (95 % high)"),
    "cost_note": ("remarque sur le coût", "note on the cost"),
    "site": ("site", "site"),
    "count": ("nombre", "count"),
    "n": ("nombre", "count"),
    "days": ("jours", "days"),
    "first_day": ("premier jour", "first day"),
    "last_day": ("dernier jour", "last day"),
    "course_id": ("cours", "course"),
    "url": ("URL", "URL"),
    "account_id": ("identifiant du compte", "account id"),
    "name": ("nom", "name"),
    "institution": ("institution", "institution"),
    "run_id": ("collecte", "run"),
    "records": ("enregistrements", "records"),
    "incidents": ("incidents", "incidents"),
    "replaces": ("remplace", "replaces"),
    "superseded_by": ("remplacée par", "superseded by"),
    "query": ("requête", "query"),
    "runs": ("collectes", "runs"),
    "first": ("première", "first"),
    "last": ("dernière", "last"),
    "gaps": ("trous", "gaps"),
    "wait_seconds": ("attente (s)", "wait (s)"),
    "links": ("liens", "links"),
    "tracked": ("suivis", "tracked"),
    "matched": ("rapprochés", "matched"),
    "url_key": ("clé d'URL", "URL key"),
    "posts": ("publications", "posts"),
    "example": ("exemple", "example"),
    "compared": ("comparé", "compared"),
    "platforms": ("plateformes", "platforms"),
    "communities": ("communautés", "communities"),
}  # fmt: skip

#: Columns holding shares in [0, 1], written as percentages.
SHARES = {"share", "stated_share", "coverage", "share_through_institutions",
          "institutional_reach_share"}  # fmt: skip
#: Columns whose values are phrases of the analysis (notes, flags, fits' statuses, models).
PHRASED = {"note", "flag", "placebo_note", "cost_note", "status", "model", "impulses",
           "category"}  # fmt: skip
#: Columns whose values are words of :data:`_WORDS`.
WORDED = {"figure", "kind", "method", "records"}

#: Values shown as words: (French, English).
_WORDS = {
    "clicks": ("clics", "clicks"),
    "views": ("vues", "views"),
    "sharers": ("partageurs", "sharers"),
    "potential_reach": ("portée potentielle", "potential reach"),
    "unique_audience": ("audience unique", "unique audience"),
    "unique_audience_without_sharers": ("audience unique hors partageurs",
                                        "unique audience without the sharers"),
    "engaged_accounts": ("comptes engagés", "engaged accounts"),
    "platform-reported": ("déclaré par la plateforme", "reported by the platform"),
    "potential": ("potentielle", "potential"),
    "observed": ("observée", "observed"),
    "range": ("fourchette", "range"),
    "estimate": ("estimation", "estimate"),
    "counted": ("compté", "counted"),
    "original": ("originale", "original"),
    "repost": ("repartage", "repost"),
    "quote": ("citation", "quote"),
    "reply": ("réponse", "reply"),
    "post": ("publication", "post"),
    "link-in-forum": ("lien dans un forum", "link in a forum"),
    "click": ("clic", "click"),
    "open": ("ouverture", "open"),
    "recipient": ("destinataire", "recipient"),
    "visit": ("visite", "visit"),
    "enrolment": ("inscription", "enrolment"),
    "completion": ("achèvement", "completion"),
    "error": ("erreur", "error"),
    "note": ("remarque", "note"),
    "accounts": ("comptes", "accounts"),
    "follows": ("abonnements", "follows"),
    "interactions": ("interactions", "interactions"),
    "posts": ("publications", "posts"),
    "root": ("racine", "root"),
    "stated:via": ("indiqué : via", "stated: via"),
    "stated:quote": ("indiqué : citation", "stated: quote"),
    "stated:forward": ("indiqué : transfert", "stated: forward"),
    "stated:reply": ("indiqué : réponse", "stated: reply"),
    "inferred:kernel": ("déduit des heures", "inferred from the times"),
    "unknown_times": ("heures inconnues", "times unknown"),
    "no_candidate": ("aucun candidat", "no candidate"),
}  # fmt: skip


def text(key: str, language: str, **values) -> str:
    """The words for ``key`` in ``language`` (``fr`` or ``en``), with ``values`` filled in."""
    french, english = _TEXTS[key]
    words = english if language == "en" else french
    return words.format(**values) if values else words


def phrase(value, language: str):
    """A model's name, a fit's status or impulses, or an adopter category in ``language`` (as
    stored, in English, otherwise; anything else unchanged).

    >>> print(phrase("flagged: no saturation seen yet: m is a lower bound; effect of "
    ...              "2026-09-07 newsletter undetermined", "fr"))
    signalé : pas encore de saturation : m est une borne inférieure ; effet de 2026-09-07
    newsletter indéterminé
    >>> phrase("refused: 3 time points, at least 6 are needed", "fr")
    'refusé : 3 jours, il en faut au moins 6'
    >>> phrase("generalized bass", "fr"), phrase("early majority", "en"), phrase(3, "fr")
    ('Bass généralisé', 'early majority', 3)
    """
    if language == "en" or not isinstance(value, str):
        return value
    if value in _PHRASES:
        return _PHRASES[value]
    for english, french in _PARTS:
        value = re.sub(english, french, value)
    return value


def column_name(name: str, language: str) -> str:
    """A table column's header in ``language``; a column not in :data:`COLUMNS` is shown
    spaced (``first_day`` as ``first day``), never with underscores (a test lists them).

    >>> column_name("first_day", "fr"), column_name("a_new_one", "en")
    ('premier jour', 'a new one')
    """
    if name in COLUMNS:
        return COLUMNS[name][language == "en"]
    return name.replace("_", " ")


def word(value, language: str):
    """A value of the app's vocabulary (a kind, a method, a figure) in ``language``; anything
    else unchanged.

    >>> word("stated:via", "fr"), word("potential_reach", "en"), word("bluesky", "fr")
    ('indiqué : via', 'potential reach', 'bluesky')
    """
    return _WORDS[value][language == "en"] if value in _WORDS else value


def number(value, language: str) -> str:
    """A number as written in ``language``: no-break-space thousands and decimal comma in French;
    whole values without decimals, others to two decimals, or three significant digits
    below 1.

    >>> number(6.0, "fr"), number(0.001234, "en"), number(-2.5, "fr"), number(math.inf, "en")
    ('6', '0.00123', '-2,5', '∞')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if float(value).is_integer():
        written = f"{value:,.0f}"
    elif abs(value) >= 1:
        written = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        written = f"{value:.{2 - math.floor(math.log10(abs(value)))}f}".rstrip("0").rstrip(".")
    return written if language == "en" else in_french(written)


def percent(value, language: str) -> str:
    """A share in [0, 1] as a percentage.

    >>> percent(0.4177, "fr"), percent(0.025, "en"), percent(1, "fr"), percent(None, "en")
    ('41,77\xa0%', '2.5%', '100\xa0%', '–')
    """
    if value is None or math.isnan(value):
        return "–"
    written = number(round(100 * value, 2), language)
    return f"{written}{SPACE}%" if language == "fr" else f"{written}%"


def moment(value, language: str) -> str:
    """A date spelled out, with the time of day (hh:mm, as stored: UTC) unless midnight.

    >>> moment(pd.Timestamp("2026-09-02 07:31:10", tz="UTC"), "fr")
    '2 sept. 2026, 07:31'
    >>> moment("2026-09-07", "en"), moment(pd.NaT, "fr")
    ('7 Sep 2026', '–')
    """
    if pd.isna(value):
        return "–"
    stamp = pd.Timestamp(value)
    if stamp == stamp.normalize():
        return day(stamp, language)
    return f"{day(stamp, language)}, {stamp:%H:%M}"


def cell(
    value,
    language: str,
    *,
    share: bool = False,
    worded: bool = False,
    signed: bool = False,
    phrased: bool = False,
) -> str:
    """A table cell as shown: numbers by :func:`number` (or :func:`percent` for a
    ``share``; with their sign when ``signed``, a change), dates by :func:`moment`, yes/no,
    lists joined, words of the vocabulary translated when ``worded``, phrases of the analysis
    by :func:`phrase` when ``phrased``; '–' when missing.

    >>> cell(True, "fr"), cell(6.0, "fr"), cell(0.5, "en", share=True), cell(["a", "b"], "en")
    ('oui', '6', '50%', 'a, b')
    >>> cell(6.0, "fr", signed=True), cell(-1234, "fr", signed=True), cell(0, "en", signed=True)
    ('+6', '−1\xa0234', '0')
    >>> cell("stated:via", "en", worded=True), cell("stated:via", "en"), cell(None, "fr")
    ('stated: via', 'stated:via', '–')
    >>> cell("did not converge", "fr", phrased=True), cell("did not converge", "fr")
    ("n'a pas convergé", 'did not converge')
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(str(item) for item in value)
    if value is None or value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return ("non", "oui", "no", "yes")[2 * (language == "en") + bool(value)]
    if isinstance(value, (int, float, np.number)):
        if signed and not pd.isna(value) and value != 0:
            return ("+" if value > 0 else "−") + number(abs(value), language)
        return percent(value, language) if share else number(value, language)
    if isinstance(value, (pd.Timestamp, datetime.date)):
        return moment(value, language)
    if phrased:
        return str(phrase(value, language))
    return str(word(value, language) if worded else value)


def depth_times(own, low, high, reached, language: str) -> str:
    """The hours to each depth 1, 2 … of a cascade's most probable tree (``own``), with the
    interval (``low``, ``high``) over the drawn trees when it is not one value and the share
    of them that reach the depth (``reached``) when not all; '–' when unknown.

    >>> depth_times([0.5, 3.0], [0.5, 2, 6], [0.5, 5.25, 9], [1, 0.6, 0.2], "fr")
    '1 : 0,5 · 2 : 3 [2–5,25] (60\xa0%) · 3 : – [6–9] (20\xa0%)'
    >>> depth_times([1.0, math.nan], [1.0, math.nan], [1.0, math.nan], [1.0, 1.0], "en")
    '1: 1 · 2: –'
    """
    colon = " : " if language == "fr" else ": "
    parts = []
    for depth in range(1, max(len(own), len(reached)) + 1):
        value, lower, upper, share = (
            values[depth - 1] if depth <= len(values) else None
            for values in (own, low, high, reached)
        )
        text = f"{depth}{colon}{number(value, language)}"
        if lower is not None and not math.isnan(lower) and lower != upper:
            text += f" [{number(lower, language)}–{number(upper, language)}]"
        if not share or share < 1:
            text += f" ({percent(round(share or 0, 2), language)})"
        parts.append(text)
    return " · ".join(parts)


def day(value, language: str) -> str:
    """A date as written in ``language`` (``1 sept. 2026``, ``1 Sep 2026``)."""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {_MONTHS[language][stamp.month - 1]} {stamp.year}"
