"""`postern explain` on Outlook.com's rate limits and block lists (issue
12): the binary, with the knowledge base it embeds, names the provider
entry, the sender's side, IP reputation and what to do."""
import json

from conftest import run

S775 = ("451 4.7.650 The mail server [192.0.2.1] has been temporarily rate "
        "limited due to IP reputation. For e-mail delivery information, "
        "see https://aka.ms/postmaster (S775)")


def test_explain_4_7_650_ip_reputation():
    out = run("explain", S775).stdout
    assert "Provider reply [outlook-4.7.650]" in out, out
    # the provider entry comes before the generic 451; read it alone,
    # lines unwrapped (the echoed reply text also says "IP reputation")
    start = out.index("Provider reply [outlook-4.7.650]")
    entry = " ".join(out[start:out.index("Reply code [451]")].split())
    assert "rate limited due to IP reputation (4.7.650, S775)" in entry
    assert "sending IP address because Microsoft rates that IP's " \
        "reputation as poor" in entry
    assert "Whose side: sender" in entry
    # the fixes: slow down, SNDS/JMRP, mitigation through sender support
    assert "destination_concurrency" in entry
    assert "SNDS" in entry and "JMRP" in entry
    assert "https://sender.office.com/" in entry


def test_explain_4_7_650_json_without_reply_code():
    r = run("explain", "--json", S775[len("451 "):])
    doc = json.loads(r.stdout)
    assert doc["explained"] is True
    assert doc["reply"]["code"] is None
    assert doc["reply"]["enhanced"] == "4.7.650"
    first = doc["matches"][0]
    assert first["kind"] == "provider"
    assert first["key"] == "outlook-4.7.650"
    assert first["side"] == "sender"
    assert any("SNDS" in f for f in first["fixes"])


def test_explain_block_list_identifiers():
    for ident in ("S3140", "S3150"):
        r = run("explain", "--json",
                "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't "
                "sent. Please contact your Internet service provider since "
                "part of their network is on our block list (%s)." % ident)
        first = json.loads(r.stdout)["matches"][0]
        assert first["key"] == "outlook-" + ident.lower(), first
        assert first["side"] == "sender"
        assert any("sender.office.com" in f for f in first["fixes"])
