"""`postern explain` on the error texts the platforms show (issue 21,
item 4): whole pasted lines from Instantly (nodemailer's wording and its
account states), Smartlead and generic IMAP tools give the layer that
failed, the cause on postern's side and the fix; a line that carries an
SMTP reply or IMAP response explains that too."""
import json

from conftest import run


def flat(text):
    """The output with its wrapping undone, so phrases match across
    line breaks."""
    return " ".join(text.split())


def explain(line):
    r = run("explain", line)
    assert r.returncode == 0, r
    return r.stdout, flat(r.stdout)


def test_instantly_invalid_login_and_its_reply():
    out, f = explain("Error: Invalid login: 535 5.7.8 Error: "
                     "authentication failed: authentication failure")
    assert "Platform:   nodemailer (Instantly)" in out
    assert "Layer:      SMTP AUTH" in out
    assert "Platform text [nodemailer-invalid-login]" in out
    assert "The username is not the full email address." in f
    assert "postern mailbox passwd ADDRESS" in f
    # then the embedded reply, through the reply explainer
    tail = out[out.index("The SMTP reply it carries"):]
    assert "Reply:      535 5.7.8" in tail
    assert "Reply code [535]" in tail


def test_instantly_greeting_never_received():
    out, f = explain("Greeting never received")
    assert "Layer:      TLS mode: no SMTP greeting" in out
    assert "Implicit TLS (\"SSL\", secure: true) dialled on 587" in f
    assert "Use 587 with STARTTLS (secure off, \"TLS\") or 465 with " \
        "implicit TLS (\"SSL\")" in f
    assert "Reply:" not in out


def test_instantly_mail_command_530_and_tls_version():
    out, f = explain("Mail command failed: 530 5.7.0 Must issue a "
                     "STARTTLS command first")
    assert "[nodemailer-mail-failed]" in out
    assert "530: MAIL before AUTH, or before STARTTLS on 587" in f
    assert "Reply:      530 5.7.0" in out
    out, f = explain("Error initiating TLS - Error: write EPROTO "
                     "error:1408F10B:SSL routines:ssl3_get_record:wrong "
                     "version number")
    assert "[tls-wrong-version]" in out
    assert "Use 465 (SMTP) or 993 (IMAP) for implicit TLS" in f


def test_instantly_account_states():
    out, f = explain('warmup_status -2 "Spam Folder Unknown"')
    assert "Layer:      IMAP folders (warm-up)" in out
    assert "no Junk folder with the \\Junk special-use flag" in f
    assert "postern check HOST --imap" in f
    out, f = explain('status -1 "Connection Error"')
    assert "[instantly-connection-error]" in out


def test_smartlead_bodies():
    out, f = explain('{"ok": false, "message": "SMTP connection failed", '
                     '"error": "Invalid credentials"}')
    assert "Platform:   Smartlead" in out
    assert "[smartlead-credentials]" in out
    assert "Whose side: sender" in out
    out, f = explain("Connection Timed Out")
    assert "Layer:      TCP: port blocked" in out
    assert "Switch the SMTP port to 587 (STARTTLS), or open 465" in f


def test_imap_tools():
    out, f = explain("IMAP connection failed: NO [AUTHENTICATIONFAILED] "
                     "Authentication failed.")
    assert "[imap-connection-failed]" in out
    assert "The IMAP response it carries" in out
    assert "IMAP:       NO [AUTHENTICATIONFAILED]" in out
    # the response as the client saw it, with its tag
    out, f = explain("IMAP connection failed: A1 NO [AUTHENTICATIONFAILED] "
                     "Authentication failed.")
    assert "IMAP:       NO [AUTHENTICATIONFAILED]" in out
    assert "[imap-authenticationfailed]" in out
    out, f = explain("Mailbox has a limited connection")
    assert "SMTP works but IMAP does not" in f
    assert "postern check HOST --imap" in f


def test_platform_json():
    r = run("explain", "--json", "Invalid login: 535 5.7.8 "
            "Authentication credentials invalid")
    doc = json.loads(r.stdout)
    assert doc["platform"]["layer"] == "SMTP AUTH"
    assert doc["platform"]["entry"]["key"] == "nodemailer-invalid-login"
    assert doc["reply"]["code"] == 535
    assert doc["explained"] is True


def test_unknown_text_still_not_explained():
    r = run("explain", "the weather is fine", check=False)
    assert r.returncode == 1
    assert "No SMTP reply code" in r.stdout
