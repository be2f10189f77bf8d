"""What compiling the members' choice would buy: a numba kernel against ``MemberState.decide``.

Model 2.0 misses its speed target (docs/performance.md). This experiment measures the obvious
remedy before anyone adopts it: ``MemberState.decide`` (payoffs, nested logit, war stance) fused
into one compiled pass over the replicates, with the same arithmetic in the same order.

It prints, on the ``baseline`` scenario at R replicates:

* whether the kernel reproduces ``decide`` bit for bit (next rung, stance, loyalty, exit
  probability of every member over the run);
* the cost per member-month of ``decide``, of the kernel, of the kernel without its six
  exponentials and logarithms, and of one ``np.exp`` pass (what a transcendental costs here);
* CPU time of whole runs with each, best of ``--repeats``, and the resident memory that
  importing numba adds (its LLVM library).

Needs numba (``pip install numba``; not a dependency of the package). Usage::

    python benchmarks/compiled_choice.py --replicates 10000
"""

from __future__ import annotations

import argparse
import math
import time

import numba
import numpy as np
from _measure import rss_mb

from alliance_sim import AllianceModel, MemberState
from alliance_sim.core import mechanisms as mech
from alliance_sim.scenarios import load_scenario

#: Which switching-cost factor (rows of the model's (5, R) table) applies to each rung (rows)
#: from each (rung * 2 + backs the war) pair (columns), as in ``AllianceModel.switching_discounts``.
DISCOUNT_INDEX = np.array(
    [[0, 0, 1, 1, 2, 2], [1, 3, 0, 0, 1, 1], [2, 4, 1, 3, 0, 0]], dtype=np.intp
)


def _kernel_source(exponentials: bool) -> str:
    """The kernel's source; without ``exponentials`` every exp and log is left out."""
    source = """
def decide_member(
    uniform, capacity, access, pull, usable, trust_alpha, trust_beta, threat, threat_kind,
    threat_weight, regime_weight, regime_security, real_alternative, align_weight, affinity,
    entrapment_weight, war_intensity, entrapment_sensitivity, public_pressure_weight,
    public_sensitivity, pressure, contagion_weight, contagion, coercion_weight, dependence,
    outside_weight, guarantee_reduced, burden_reduced, pledge_cost, exit_precision,
    exit_barrier, decision_shift, discounts, discount_index, state, stance, locked,
    balances_war_adversary, stance_precision, stance_cost, move_cost,
):
    r = state.shape[0]
    next_state = np.empty(r, dtype=np.int8)
    next_stance = np.empty(r, dtype=np.int8)
    loyalty = np.empty(r)
    exit_probability = np.empty(r)
    shifted = decision_shift.shape[0] > 0
    protects = threat_kind == EXTERNAL or threat_kind == INTRA
    for i in range(r):
        cap = capacity[i]
        outside = access[0, i] * pull[0, i] * usable[0, i]
        for k in range(1, access.shape[0]):
            offer = access[k, i] * pull[k, i] * usable[k, i]
            if offer > outside:
                outside = offer
        help_expected = trust_alpha[i] / (trust_alpha[i] + trust_beta[i]) * cap
        regime = regime_weight[i] * regime_security[i]
        if protects:
            guarantee = (threat_weight[i] * threat[i] + regime) * help_expected
        else:
            guarantee = help_expected * regime
        if threat_kind == HEGEMON:
            bloc = guarantee + threat_weight[i] * threat[i] * cap * (
                1.0 - outside / real_alternative[i]
            )
        else:
            bloc = guarantee
        alignment = align_weight[i] * affinity[i]
        bloc = bloc + alignment
        entrapment = entrapment_weight[i] * war_intensity[i] * entrapment_sensitivity[i]
        anger = public_pressure_weight[i] * public_sensitivity[i] * pressure[i]
        coercion = coercion_weight[i] * cap * dependence[i]
        outside_value = outside_weight[i] * outside - coercion
        burden = entrapment + anger + contagion_weight[i] * contagion[i]
        free_active = math.exp(bloc - burden)
        reduced = guarantee_reduced[i] * (bloc - outside_value) + outside_value
        free_reduced = math.exp(reduced - burden_reduced[i] * burden)
        free_frozen = math.exp(outside_value)
        loyalty[i] = (free_active + burden_reduced[i] * free_reduced) / (
            free_active + free_reduced + free_frozen
        )
        current = state[i]
        support = stance[i] == SUPPORT
        if current == EXITED:
            next_state[i] = current
            exit_probability[i] = 0.0
        else:
            pair = min(current, FROZEN) * 2 + (1 if support else 0)
            w_active = free_active * discounts[discount_index[0, pair], i]
            w_reduced = free_reduced * discounts[discount_index[1, pair], i]
            w_frozen = free_frozen * discounts[discount_index[2, pair], i]
            total = w_active + w_reduced + w_frozen
            scaled = uniform[0, i] * total
            rung = (1 if scaled >= w_active else 0) + (1 if scaled >= w_active + w_reduced else 0)
            exit_utility = outside_value - pledge_cost[i] * (1.0 if support else 0.0)
            log_odds = exit_precision[i] * (exit_utility - math.log(total))
            log_odds -= exit_barrier[i]
            if shifted:
                log_odds += decision_shift[i]
            probability = 1.0 / (1.0 + math.exp(-log_odds))
            exit_probability[i] = probability
            if locked[i]:
                next_state[i] = current
            else:
                next_state[i] = EXITED if uniform[1, i] < probability else rung
        if war_intensity[i] > 0:
            if balances_war_adversary:
                value = alignment + threat_weight[i] * threat[i]
            else:
                value = alignment
            value -= entrapment
            value -= stance_cost[i]
            log_odds = stance_precision[i] * value
            if stance[i] != NO_STANCE:
                log_odds += move_cost[i] * (1.0 if support else -1.0)
            next_stance[i] = SUPPORT if uniform[2, i] < 1.0 / (1.0 + math.exp(-log_odds)) else 0
        else:
            next_stance[i] = NO_STANCE
    return next_state, next_stance, loyalty, exit_probability
"""
    if not exponentials:
        source = source.replace("math.exp(", "(").replace("math.log(", "(")
    namespace = {
        "math": math,
        "np": np,
        **{name: getattr(mech, name) for name in ("EXITED", "EXTERNAL", "FROZEN", "HEGEMON")},
        **{name: getattr(mech, name) for name in ("INTRA", "NO_STANCE", "SUPPORT")},
    }
    exec(compile(source, "compiled_choice_kernel", "exec"), namespace)  # noqa: S102
    return numba.njit(nogil=True)(namespace["decide_member"])


KERNEL = _kernel_source(exponentials=True)
KERNEL_WITHOUT_EXP = _kernel_source(exponentials=False)


def kernel_arguments(member: MemberState) -> tuple:
    """The kernel's arguments for ``member`` in the model's current snapshot."""
    model, snap, g, p = member.model, member.model.snapshot, member.model.g, member.params
    index = model.index[member.name]
    if model._discount_table is None:  # the model builds its (5, R) table on first use
        model.switching_discounts(member.state, member.stance == mech.SUPPORT)
    shift = snap["decision_shift"]
    return (
        snap["uniform"][index],
        snap["capacity"],
        member.access,
        model.patron_pull,
        np.stack([np.broadcast_to(u, (model.replicates,)) for u in model.patron_usable[index]]),
        member.trust_alpha,
        member.trust_beta,
        member.threat,
        member.threat_kind,
        g["threat_weight"],
        g["regime_weight"],
        p["regime_security"],
        g["real_alternative"],
        g["align_weight"],
        member.affinity,
        g["entrapment_weight"],
        g["war_intensity"],
        p["entrapment_sensitivity"],
        g["public_pressure_weight"],
        p["public_sensitivity"],
        member.pressure,
        g["contagion"],
        snap["contagion"][index],
        g["coercion_weight"],
        p["dependence"],
        g["outside_weight"],
        g["guarantee_share_reduced"],
        g["burden_share_reduced"],
        g["pledge_cost"],
        g["exit_precision"],
        g["exit_barrier"],
        np.zeros(0) if shift is None else shift,
        model._discount_table.reshape(5, -1),
        DISCOUNT_INDEX,
        member.state,
        member.stance,
        member.locked,
        model.threat_is_war_adversary(member) > 0,
        g["stance_precision"],
        g["stance_cost"],
        g["move_cost"],
    )


def compiled_decide(member: MemberState) -> None:
    """``MemberState.decide`` through the kernel."""
    state, stance, loyalty, exit_probability = KERNEL(*kernel_arguments(member))
    member._next = {
        "state": state,
        "stance": stance,
        "loyalty": loyalty,
        "exit_probability": exit_probability,
    }


def _model(replicates: int) -> AllianceModel:
    kwargs = load_scenario("baseline").model_kwargs()
    return AllianceModel(**{**kwargs, "replicates": replicates, "record_members": False})


def check_identical(replicates: int) -> tuple[bool, list[tuple]]:
    """Run the model with ``decide``, calling the kernel beside it; keep some argument sets."""
    numpy_decide = MemberState.decide
    mismatches, kept = 0, []

    def both(member: MemberState) -> None:
        nonlocal mismatches
        args = kernel_arguments(member)
        numpy_decide(member)
        compiled = KERNEL(*args)
        expected = member._next
        keys = ("state", "stance", "loyalty", "exit_probability")
        pairs = zip(keys, compiled, strict=True)
        mismatches += sum(not np.array_equal(expected[key], value) for key, value in pairs)
        if len(kept) < 60:
            kept.append(args)

    MemberState.decide = both
    try:
        model = _model(replicates)
        model.run_model()
    finally:
        MemberState.decide = numpy_decide
    return mismatches == 0, kept


def per_member_month(kept: list[tuple], replicates: int, repeats: int) -> dict[str, float]:
    """Nanoseconds per member-month (one replicate of one member in one month)."""

    def best(call) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            for args in kept:
                call(args)
            times.append(time.perf_counter() - start)
        return 1e9 * min(times) / (len(kept) * replicates)

    x = np.asarray(kept[0][0][0]) * -5.0
    out = np.empty_like(x)
    return {
        "kernel": best(lambda a: KERNEL(*a)),
        "kernel without exp/log": best(lambda a: KERNEL_WITHOUT_EXP(*a)),
        "one np.exp pass (per element)": best(lambda a: np.exp(x, out=out)),
    }


def numpy_decide_cost(replicates: int, repeats: int) -> float:
    """Nanoseconds per member-month of ``MemberState.decide`` over a whole run."""
    numpy_decide = MemberState.decide
    spent = [0.0]

    def timed(member: MemberState) -> None:
        start = time.perf_counter()
        numpy_decide(member)
        spent[0] += time.perf_counter() - start

    results = []
    MemberState.decide = timed
    try:
        for _ in range(repeats):
            spent[0] = 0.0
            model = _model(replicates)
            model.run_model()
            calls = (model.month_index + 1) * (len(model.members) - 1)
            results.append(1e9 * spent[0] / (calls * replicates))
    finally:
        MemberState.decide = numpy_decide
    return min(results)


def whole_runs(replicates: int, repeats: int) -> dict[str, float]:
    """CPU seconds of one baseline run with each ``decide``, best of ``repeats`` (alternated)."""
    numpy_decide = MemberState.decide
    best = {"numpy decide": math.inf, "compiled decide": math.inf}
    try:
        for _ in range(repeats):
            variants = {"numpy decide": numpy_decide, "compiled decide": compiled_decide}
            for name, decide in variants.items():
                MemberState.decide = decide
                start = time.process_time()
                _model(replicates).run_model()
                best[name] = min(best[name], time.process_time() - start)
    finally:
        MemberState.decide = numpy_decide
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    identical, kept = check_identical(args.replicates)
    print(f"kernel reproduces MemberState.decide bit for bit: {identical}")
    print(f"\nper member-month, R={args.replicates:,} (best of {args.repeats}):")
    print(f"  {'MemberState.decide (numpy)':32s} {numpy_decide_cost(args.replicates, 3):6.1f} ns")
    for name, ns in per_member_month(kept, args.replicates, args.repeats).items():
        print(f"  {name:32s} {ns:6.1f} ns")
    print(f"\nwhole baseline run, R={args.replicates:,}, CPU (best of {args.repeats}):")
    for name, seconds in whole_runs(args.replicates, args.repeats).items():
        print(f"  {name:32s} {seconds:6.3f} s")
    print(f"\nresident memory of this process: {rss_mb():.0f} MiB (numba's LLVM included)")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
