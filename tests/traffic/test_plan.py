"""The traffic plan: seeded, varied, plausible; and the options shared by the CLI and the admin API."""

from itertools import islice

import pytest

from simulator.config import load_config
from simulator.core.billing import count_segments
from simulator.traffic import OptionError, parse_options, pick_credentials, planner_for
from simulator.traffic.content import MAGIC, Planner, Template


def plan(seed: int, n: int = 300, **options) -> list[dict]:
    opts = parse_options({"seed": seed, **options})
    creds = pick_credentials(load_config().all_accounts(), opts)
    return [item.plan() for item in islice(planner_for(opts, creds), n)]


def test_same_seed_same_plan_other_seed_other_plan():
    first = plan(42)
    assert first == plan(42)
    assert first != plan(43)
    assert plan(42, vendor="kx,emay") == plan(42, vendor="emay,kx")


def test_the_plan_is_varied_and_covers_every_vendor_kind_and_outcome():
    items = plan(7, 600)
    assert {i["vendor"] for i in items} == {"kx", "huawei", "smsgw", "mobset", "emay"}
    assert {i["kind"] for i in items if i["vendor"] != "huawei"} == {
        "verify",
        "parcel",
        "appointment",
        "bill",
        "marketing",
        "notice",
    }
    texts = [i["text"] for i in items if i["text"]]
    assert len(set(texts)) > 0.95 * len(texts)
    assert all("退订" in i["text"] for i in items if i["kind"] == "marketing")
    assert any(len(i["recipients"]) > 1 for i in items)
    long = [i for i in items if i["kind"] == "notice"]
    assert long and all(count_segments(f"【{i['signature']}】{i['text']}") >= 2 for i in long)
    recipients = [m for i in items for m in i["recipients"]]
    assert set(MAGIC) <= set(recipients)  # every outcome of the default scenario appears
    assert all(len(m) == 11 and m.startswith("1") and m.isdigit() for m in recipients)
    assert len(set(recipients)) < len(recipients)  # the same phones get several messages
    replies = [text for i in items for text in i["replies"].values()]
    assert replies and "TD" in replies
    assert not any(m in MAGIC for i in items for m in i["replies"])


def test_huawei_items_use_an_approved_template_with_values_that_fit():
    items = [i for i in plan(3, 200, vendor="huawei")]
    assert {i["template"] for i in items} == {"tplverify0001", "tplnotify0001"}
    for i in items:
        if i["template"] == "tplverify0001":
            assert len(i["params"]) == 1 and len(i["params"][0]) <= 6 and i["params"][0].isdigit()
        else:
            assert len(i["params"]) == 2 and len(i["params"][0]) <= 20 and len(i["params"][1]) <= 8


def test_shares_are_honoured():
    none = Planner(1, ["kx"], magic_share=0, reply_share=0)
    items = list(islice(none, 200))
    assert not any(m in MAGIC for i in items for m in i.recipients)
    assert not any(i.replies for i in items)
    every = list(islice(Planner(1, ["kx"], magic_share=0, reply_share=1), 50))
    assert all(set(i.replies) == set(i.recipients) for i in every)
    magic = list(islice(Planner(1, ["kx"], magic_share=1), 50))
    assert all(set(i.recipients) <= set(MAGIC) for i in magic)


def test_template_parameters_for_other_lengths():
    t = Template("t", "c", verify=False, max_lengths=[3, 12])
    p = Planner(5, ["huawei"], huawei_templates=[t])
    item = next(p)
    assert len(item.params[0]) <= 3 and item.params[0].isdigit() and len(item.params[1]) <= 12


def test_defaults():
    o = parse_options({})
    assert o.duration == 10 and o.count is None and o.rate == 10
    assert o.vendors == ["kx", "huawei", "smsgw", "mobset", "emay"]
    assert 0 <= o.seed < 2**31
    assert parse_options({"count": 5}).duration is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"duration": 1, "count": 2}, "give duration or count, not both"),
        ({"vendor": "kx,nope"}, "unknown vendor nope"),
        ({"rate": 0}, "rate must be between"),
        ({"rate": "fast"}, "rate must be a number"),
        ({"count": 1.5}, "count must be an integer"),
        ({"reply_share": 2}, "reply_share must be between 0 and 1"),
        ({"url": "ftp://x"}, "url must be an http:// or https:// URL"),
        ({"speed": 3}, "unknown option(s) speed"),
        ({"accounts": {"kx": 1}}, "accounts must map a vendor"),
        ({"accounts": {"zz": "1"}}, "accounts: unknown vendor zz"),
    ],
)
def test_bad_options_have_one_line_messages(options, message):
    with pytest.raises(OptionError) as e:
        parse_options(options)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_a_named_vendor_without_an_account_is_an_error_and_all_leaves_it_out():
    accounts = [a for a in load_config().all_accounts() if a.vendor != "emay"]
    with pytest.raises(OptionError, match="no emay account"):
        pick_credentials(accounts, parse_options({"vendor": "emay"}))
    with pytest.raises(OptionError, match="no kx account 'nope'"):
        pick_credentials(accounts, parse_options({"accounts": {"kx": "nope"}}))
    opts = parse_options({})
    assert set(pick_credentials(accounts, opts)) == {"kx", "huawei", "smsgw", "mobset"}
    assert opts.vendors == ["kx", "huawei", "smsgw", "mobset"]
