import pytest

from simulator.core.scenarios import ScenarioRunner, builtin_scenario, load_scenario, parse_scenario
from simulator.core.yamlfile import FileError


def test_builtin_default_has_the_magic_numbers():
    r = ScenarioRunner(builtin_scenario())
    d = lambda m: r.decide("kx", "100001", m, "hello")  # noqa: E731
    assert (d("13800000000").outcome, d("13800000000").delay) == ("delivered", 0)
    assert d("13800000001").outcome == "undeliverable"
    assert d("13800000002").outcome == "expired" and d("13800000002").use_validity
    assert d("13800000003").outcome == "rejected"
    assert d("13800000004").outcome == "blacklisted"
    assert (d("13800000005").outcome, d("13800000005").delay) == ("delivered", 60)
    assert [m.content for m in d("13800000006").mo] == ["TD"] and d("13800000006").mo[0].delay == 5
    assert d("13800000007").fault is not None and d("13800000007").fault.error == "system_error"
    assert d("13800000008").outcome == "no_report"
    assert (d("13912345678").outcome, d("13912345678").delay, d("13912345678").rule) == (
        "delivered",
        2,
        "defaults",
    )


@pytest.mark.parametrize("name", ["default", "flaky", "slow", "load-test", "instant"])
def test_shipped_scenarios_load(name):
    assert builtin_scenario(name).name == name


def test_load_test_is_realistic_latency_delays_failures_and_replies():
    sc = builtin_scenario("load-test")
    r = ScenarioRunner(sc)
    decisions = [r.decide("kx", "a", f"139{i:08d}", "【测试】验证码") for i in range(20_000)]
    outcomes = [d.outcome for d in decisions]
    delivered = outcomes.count("delivered") / len(outcomes)
    assert 0.95 < delivered < 0.99 and {"undeliverable", "expired", "rejected", "no_report"} <= set(outcomes)
    faults = sum(d.fault is not None for d in decisions) / len(decisions)
    assert 0.0005 < faults < 0.005  # a small share of the API calls fail
    delays = sorted(d.delay for d in decisions)
    assert 1.5 < delays[len(delays) // 2] < 6 and delays[-1] > 10  # seconds, with a long tail
    replies = [i for i, d in enumerate(decisions) if d.mo]
    assert replies and all(f"{i:08d}"[-2:] in ("98", "99") for i in replies)
    assert len(replies) == 400 and all(d.outcome == "delivered" for d in decisions if d.mo)
    assert r.decide("huawei", "a", "+8613900000099", "x").mo  # a +86 number replies too
    assert len(sc.latency) == 1  # every endpoint of every vendor
    waits = sorted(r.latency(v, "/any") for v in ("kx", "emay") * 500)
    assert 0.015 < waits[len(waits) // 2] < 0.06 and waits[-1] < 1


def test_rules_match_in_order_by_every_field():
    sc = parse_scenario(
        """
rules:
  - match: {vendor: emay, mobile_prefix: ["139"]}
    outcome: expired
  - match: {account: ["A1"], content: 验证码}
    outcome: rejected
    code: {kx: R0301MGC}
  - match: {mobile_regex: "1[0-9]{9}9"}
    outcome: undeliverable
    delay: {min: 1, max: 2}
  - match: {content_regex: "^PROMO", template: [T1]}
    outcome: blacklisted
"""
    )
    r = ScenarioRunner(sc)
    assert r.decide("emay", "x", "13912345678", "hi").outcome == "expired"
    assert r.decide("kx", "x", "13912345678", "hi").outcome == "delivered"
    d = r.decide("kx", "A1", "13912345678", "您的验证码")
    assert (d.outcome, d.code) == ("rejected", "R0301MGC")
    assert r.decide("emay", "A1", "13912345678", "您的验证码").code is None  # first rule wins
    d = r.decide("kx", "x", "13100000009", "hi")
    assert d.outcome == "undeliverable" and 1 <= d.delay <= 2
    assert r.decide("kx", "x", "13100000001", "PROMO x", "T1").outcome == "blacklisted"
    assert r.decide("kx", "x", "13100000001", "PROMO x", "T2").outcome == "delivered"


def test_seed_makes_weighted_choices_repeatable():
    text = (
        "seed: 3\nrules:\n  - outcomes: {delivered: 1, undeliverable: 1}\n    delay: {mean: 5, stddev: 2}\n"
    )
    a = ScenarioRunner(parse_scenario(text))
    b = ScenarioRunner(parse_scenario(text))
    seq_a = [(d.outcome, d.delay) for d in (a.decide("kx", "1", "13900000000", "x") for _ in range(50))]
    seq_b = [(d.outcome, d.delay) for d in (b.decide("kx", "1", "13900000000", "x") for _ in range(50))]
    assert seq_a == seq_b
    assert {o for o, _ in seq_a} == {"delivered", "undeliverable"}
    c = ScenarioRunner(parse_scenario(text), seed=4)
    assert [c.decide("kx", "1", "13900000000", "x").outcome for _ in range(50)] != [o for o, _ in seq_a]


def test_fault_probability():
    r = ScenarioRunner(
        parse_scenario("seed: 1\nrules:\n  - fault: {error: system_error, probability: 0.5}\n")
    )
    faults = sum(r.decide("kx", "1", "13900000000", "x").fault is not None for _ in range(200))
    assert 60 < faults < 140


def test_reviews():
    r = ScenarioRunner(builtin_scenario())
    assert r.review("template", "emay", "t", "hello").result == "approved"
    rej = r.review("signature", "huawei", "REJECT me", "x")
    assert (rej.result, rej.delay) == ("rejected", 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: [\n", "not valid YAML"),
        ("- a\n- b\n", "top level must be a mapping"),
        ("rules:\n  - outcome: exploded\n", "<scenario>:2: rules.0.outcome: unknown outcome 'exploded'"),
        (
            "rules:\n  - match: {mobile_regex: '('}\n",
            "rules.0.match.mobile_regex: not a valid regular expression",
        ),
        ("rules:\n  - delay: {min: 5, max: 1}\n", "max must not be below min"),
        ("rules:\n  - fault: {error: nope}\n", "unknown error 'nope'"),
        ("rules:\n  - outcome: delivered\n    outcomes: {delivered: 1}\n", "either outcome or outcomes"),
        ("name: x\nbogus: 1\n", "<scenario>:2: bogus: Extra inputs are not permitted"),
        ("rules:\n  - outcomes: {delivered: 0}\n", "not all zero"),
        (
            "latency:\n  - {delay: -0.1}\n",
            "<scenario>:2: latency.0.delay: Input should be greater than or equal to 0, not -0.1",
        ),
        ("latency:\n  - {delay: 61}\n", "less than or equal to 60"),
        ("latency:\n  - {delay: {min: 0.2, max: 0.1}}\n", "max must not be below min"),
        (
            "latency:\n  - {delay: {lognormal: {median: 0, sigma: 1}}}\n",
            "median: Input should be greater than 0",
        ),
        ("latency:\n  - {path: api/sms/send, delay: 0.1}\n", "a path starts with '/'"),
        ("latency:\n  - {vendor: kx}\n", "latency.0.delay: Field required"),
        ("latency:\n  - {delay: 0.1, method: GET}\n", "method: Extra inputs are not permitted"),
        ("rules:\n  - chaos: {drop: 2}\n", "rules.0.chaos.drop: Input should be less than or equal to 1"),
        ("rules:\n  - chaos: {reorder: 0.1}\n", "reorder: Extra inputs are not permitted"),
        # names a rule would never match, and delays that cannot happen (issue 12)
        (
            "rules:\n  - match: {vendor: kxx}\n",
            "<scenario>:2: rules.0.match.vendor.0: unknown vendor 'kxx'; did you mean kx? (known: kx,",
        ),
        (
            "rules:\n  - code: {kxx: F1}\n",
            "<scenario>:2: rules.0.code.kxx: unknown vendor 'kxx'; did you mean kx?",
        ),
        (
            "rules:\n  - outcomes: {deliverd: 1}\n",
            "rules.0.outcomes.deliverd: unknown outcome 'deliverd'; did",
        ),
        ("rules:\n  - outcome: rejectd\n", "unknown outcome 'rejectd'; did you mean rejected?"),
        (
            "reviews:\n  - match: {vendor: [kx, emya]}\n",
            "reviews.0.match.vendor.1: unknown vendor 'emya'; did",
        ),
        ("latency:\n  - {vendor: huaweii, delay: 1}\n", "latency.0.vendor.0: unknown vendor 'huaweii'; did"),
        ("rules:\n  - fault: {error: system_eror}\n", "did you mean system_error?"),
        (
            "rules:\n  - delay: -3\n",
            "<scenario>:2: rules.0.delay: Input should be greater than or equal to 0, not -3",
        ),
        (
            "defaults:\n  delay: -1\n",
            "<scenario>:2: defaults.delay: Input should be greater than or equal to 0",
        ),
        (
            "rules:\n  - delay: {min: -1, max: 2}\n",
            "rules.0.delay.min: Input should be greater than or equal to 0",
        ),
        (
            "rules:\n  - delay: {min: 1, max: -2}\n",
            "rules.0.delay.max: Input should be greater than or equal to 0",
        ),
        ("rules:\n  - delay: {mean: -1, stddev: 2}\n", "rules.0.delay.mean: Input should be greater than"),
        (
            "rules:\n  - chaos: {late: {delay: -5}}\n",
            "rules.0.chaos.late.delay: Input should be greater than",
        ),
        (
            "rules:\n  - delay: 3s\n",
            "rules.0.delay: a delay is 'validity', seconds (a number ≥ 0), {min, max}",
        ),
        (
            "latency:\n  - {delay: validity}\n",
            "latency.0.delay: a delay is seconds (a number ≥ 0), {min, max}",
        ),
    ],
)
def test_bad_scenarios_say_where_and_what(text, expected):
    import simulator.vendors  # noqa: F401 (the vendor keys scenarios may name)

    with pytest.raises(FileError) as e:
        parse_scenario(text)
    assert any(expected in p for p in e.value.problems), e.value.problems


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileError) as e:
        load_scenario(tmp_path / "nope.yaml")
    assert "cannot read" in e.value.problems[0]


def test_latency_is_seeded_and_matched_per_vendor_and_path():
    text = """
seed: 3
latency:
  - {vendor: kx, path: /api/sms/send, delay: {lognormal: {median: 0.03, sigma: 0.5}}}
  - {vendor: [emay, huawei], delay: {mean: 0.02, stddev: 0.01}}
  - {path: [/sms], delay: 0.01}
"""
    a, b = ScenarioRunner(parse_scenario(text)), ScenarioRunner(parse_scenario(text))
    draws = [a.latency("kx", "/api/sms/send") for _ in range(200)]
    assert draws == [b.latency("kx", "/api/sms/send") for _ in range(200)]
    assert 0.02 < sorted(draws)[100] < 0.04  # the median
    assert a.latency("kx", "/api/sms/balance") == 0.0
    assert a.latency("smsgw", "/sms") == 0.01
    assert all(a.latency("emay", "/x") >= 0 for _ in range(50))
    # latency draws do not change the outcomes the scenario draws
    plain = ScenarioRunner(parse_scenario("seed: 3\ndefaults: {delay: {min: 0, max: 9}}"))
    both = ScenarioRunner(parse_scenario(text + "defaults: {delay: {min: 0, max: 9}}"))
    both.latency("kx", "/api/sms/send")
    assert plain.decide("kx", "1", "139", "x").delay == both.decide("kx", "1", "139", "x").delay


def test_message_delay_can_be_lognormal():
    r = ScenarioRunner(parse_scenario("defaults: {delay: {lognormal: {median: 10, sigma: 0.1}}}"))
    assert 5 < r.decide("kx", "1", "139", "x").delay < 20


def test_chaos_is_drawn_per_message_with_the_seed():
    text = """
seed: 5
rules:
  - chaos: {drop: 0.3, duplicate: 0.5, late: {probability: 0.5, delay: {min: 1, max: 9}}, fail_first: 0.2}
"""
    a, b = ScenarioRunner(parse_scenario(text)), ScenarioRunner(parse_scenario(text))
    draws = [a.decide("kx", "1", "139", "x").chaos for _ in range(400)]
    assert draws == [b.decide("kx", "1", "139", "x").chaos for _ in range(400)]
    share = {
        k: sum(1 for d in draws if d and k in d) / 400 for k in ("drop", "duplicate", "late", "fail_first")
    }
    assert 0.2 < share["drop"] < 0.4 and 0.4 < share["duplicate"] < 0.6 and 0.1 < share["fail_first"] < 0.3
    assert all(1 <= d["late"] <= 9 for d in draws if d and "late" in d)
    assert ScenarioRunner(parse_scenario("rules: [{chaos: {}}]")).decide("kx", "1", "139", "x").chaos is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules:\n  - delay: {min: 5}\n", "<scenario>:2: rules.0.delay.max: Field required"),
        ("rules:\n  - delay: {max: 5}\n", "<scenario>:2: rules.0.delay.min: Field required"),
        ("rules:\n  - delay: {mean: 5}\n", "<scenario>:2: rules.0.delay.stddev: Field required"),
        ("rules:\n  - delay: {lognormal: {median: 5}}\n", "rules.0.delay.lognormal.sigma: Field required"),
        ("rules:\n  - delay: {often: 5}\n", "rules.0.delay: a delay is 'validity', seconds"),
        ("rules:\n  - delay: [1, 2]\n", "rules.0.delay: a delay is 'validity', seconds"),
        ("rules:\n  - delay: true\n", "rules.0.delay: a delay is 'validity', seconds"),
        ("rules:\n  - code: 5\n", "rules.0.code: Input should be a valid string"),
    ],
)
def test_a_wrong_delay_or_code_is_one_problem(text, expected):
    """One line from the form the value resembles, not one per member of the union."""
    with pytest.raises(FileError) as e:
        parse_scenario(text)
    assert len(e.value.problems) == 1 and expected in e.value.problems[0], e.value.problems
    assert e.value.problems[0].startswith("<scenario>:2: ")


def test_problems_are_in_the_files_order_and_every_one_is_reported():
    import simulator.vendors  # noqa: F401

    text = "rules:\n  - delay: -3\n    match: {vendor: kxx}\n  - outcome: lost\n    code: {emya: X}\n"
    with pytest.raises(FileError) as e:
        parse_scenario(text)
    lines = [int(p.split(":")[1]) for p in e.value.problems]
    assert lines == [2, 3, 4, 5], e.value.problems


def test_every_shipped_scenario_is_valid():
    from simulator.config import packaged_scenarios

    names = packaged_scenarios()
    assert {"default", "flaky", "slow", "load-test"} <= set(names)
    for name in names:
        builtin_scenario(name)


def test_vendor_keys_come_from_the_registry():
    from simulator.core.scenarios import VENDOR_KEYS
    from simulator.vendors import VENDORS

    assert list(VENDORS) == VENDOR_KEYS
    assert parse_scenario("rules:\n  - match: {vendor: [kx, huawei, smsgw, mobset, emay]}\n")


def test_a_scenario_dumps_each_delay_form_without_warnings():
    import warnings

    text = (
        "defaults: {delay: validity}\nrules:\n  - delay: {min: 1, max: 2}\n  - delay: {mean: 1, stddev: 0}\n"
        "  - delay: {lognormal: {median: 5, sigma: 1}}\n  - delay: 3\n"
    )
    sc = parse_scenario(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dumped = sc.model_dump(mode="json")
    assert dumped["defaults"]["delay"] == "validity"
    assert [r["delay"] for r in dumped["rules"]] == [
        {"min": 1, "max": 2},
        {"mean": 1, "stddev": 0},
        {"lognormal": {"median": 5, "sigma": 1}},
        3,
    ]
    assert parse_scenario(sc.model_dump_json()) == sc  # what GET /_sim/scenario shows can be PUT back
