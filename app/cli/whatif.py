"""``essaim whatif``: which accounts would have spread a resource furthest?"""

from __future__ import annotations

import json

import click

from app.cli.analyze import analysis_ready, resources_known
from app.cli.console import EXIT_OK, EXIT_USER_ERROR, err, out, settings_of, table
from app.cli.translation import _, command, ngettext, number, option
from graph.store import Store

__all__ = ["whatif"]


@command("whatif")
@option("--resource", "resource_id", required=True, help="Catalogue resource id.")
@option("--k", default=5, show_default=True, type=click.IntRange(min=1),
              help="Seed accounts to choose.")  # fmt: skip
@option("--model", type=click.Choice(["ic", "lt"]), default="ic", show_default=True,
              help="Independent cascade or linear threshold.")  # fmt: skip
@option("--runs", default=200, show_default=True, type=click.IntRange(min=2),
              help="Monte Carlo runs.")  # fmt: skip
@option("--seed", default=0, show_default=True, help="Seed of the Monte Carlo runs.")
@option("--candidates", default=100, show_default=True, type=click.IntRange(min=1),
              help="Accounts considered: the largest expected direct reach.")  # fmt: skip
@option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def whatif(context: click.Context, resource_id, k, model, runs, seed, candidates, as_json) -> int:
    """Choose K seed accounts for RESOURCE with CELF and compare with its real originators.

    Edge probabilities come from the reshares observed in the last analysis: for a follow
    edge, the share of the followee's adoptions that the follower adopted from it.
    """
    from graph.whatif import DiffusionNetwork, expected_spread, select_seeds

    settings = settings_of(context)
    with Store(settings.database, read_only=True) as store:
        found = _inputs(store, resource_id)
    if found is None:
        return EXIT_USER_ERROR
    edges, originators, names = found
    if edges.empty:
        none = _(
            "no follow edges among the accounts of this resource's platforms: collect follows "
            "(`essaim collect bluesky --follows`) to simulate seeding."
        )
        err.print("[red]" + _("error:") + f"[/red] {none}")
        return EXIT_USER_ERROR
    method = (
        "p(followee → follower) = share of the followee's adoptions the follower adopted from "
        "it (parents observed or inferred); edges without evidence get the overall rate"
    )
    network = DiffusionNetwork.from_edges(edges, method)
    direct = edges.groupby("source")["probability"].sum().nlargest(candidates)
    chosen = select_seeds(network, k, model, runs, seed, candidates=direct.index)
    accounts = set(network.accounts)
    known = [name for name in originators if name in accounts]
    actual = expected_spread(network, known, model, runs, seed) if known else None
    result = {
        "resource_id": resource_id,
        "model": model,
        "runs": runs,
        "seed": seed,
        "method": method,
        "accounts": len(network.accounts),
        "edges": len(edges),
        "chosen": [
            {**row, "account": names.get(row["account"], row["account"])}
            for row in chosen.table.to_dict(orient="records")
        ],
        "originators": {
            "accounts": len(originators),
            "in_network": len(known),
            "spread": actual.mean if actual else None,
            "standard_error": actual.standard_error if actual else None,
        },
    }
    if as_json:
        out.print_json(json.dumps(result))
    else:
        _print(result, k)
    return EXIT_OK


def _inputs(store: Store, resource_id: str):
    """The probability edges on the resource's platforms, its originators, display names."""
    from graph import builders
    from graph.store.results import accounts, resources
    from graph.whatif import reshare_probabilities

    connection = store.connection
    if not analysis_ready(connection, ["cascade_trees"]) or not resources_known(
        connection, [resource_id]
    ):
        return None
    trees = resources.cascade_parents(connection)
    mine = trees[trees["resource_id"] == resource_id]
    follows = builders.follows(connection)
    follows = follows[follows["platform"].isin(set(mine["platform"]))]
    roots = mine[mine["parent_id"].isna()]
    originators = (roots["platform"] + ":" + roots["account_id"]).unique().tolist()
    named = accounts.named_handles(connection)
    return reshare_probabilities(follows, trees), originators, named


def _print(result: dict, k: int) -> None:
    said = ngettext(
        "[bold]{resource}[/bold]: {k} seed account chosen greedily (CELF) under the {model} "
        "model, {runs} Monte Carlo runs (seed {seed}), on {accounts} accounts and {edges} "
        "follow edges.",
        "[bold]{resource}[/bold]: {k} seed accounts chosen greedily (CELF) under the {model} "
        "model, {runs} Monte Carlo runs (seed {seed}), on {accounts} accounts and {edges} "
        "follow edges.",
        k,
    ).format(resource=result["resource_id"], k=k, model=result["model"].upper(),
             runs=number(result["runs"]), seed=result["seed"],
             accounts=number(result["accounts"]), edges=number(result["edges"]))  # fmt: skip
    out.print(said, highlight=False)
    rows = [
        {
            "rank": row["rank"],
            "account": row["account"],
            "gain": number(row["gain"], ".2f"),
            "expected spread": f"{number(row['spread'], '.2f')} ± "
            f"{number(row['standard_error'], '.2f')}",
        }
        for row in result["chosen"]
    ]
    out.print(table(_("Chosen seeds (spread counts the seeds themselves)"), rows))
    actual = result["originators"]
    if actual["spread"] is None:
        out.print(_("None of the resource's originators is in the follow network."))
    else:
        said = ngettext(
            "Its {n} real originator in the network: expected spread {spread} ± {error} on "
            "the same runs.",
            "Its {n} real originators in the network: expected spread {spread} ± {error} on "
            "the same runs.",
            actual["in_network"],
        ).format(n=actual["in_network"], spread=number(actual["spread"], ".2f"),
                 error=number(actual["standard_error"], ".2f"))  # fmt: skip
        out.print(said, highlight=False)
    # TRANSLATORS: the method of the JSON output ("method"), which stays in English.
    said = _("Edge probabilities: p(followee → follower) = share of the followee's adoptions "
             "the follower adopted from it (parents observed or inferred); edges without "
             "evidence get the overall rate.")  # fmt: skip
    out.print(said, highlight=False)
