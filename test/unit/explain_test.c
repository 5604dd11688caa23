/*
 * explain_test: `postern explain` on replies (key phrases, order of the
 * matches, exit status, JSON, control characters) and on bounce samples
 * in test/data/bounces/ written in the formats of Postfix (RFC 3464,
 * CRLF), Gmail (DSN with base64 text and a folded diagnostic), Microsoft
 * (quoted-printable text, base64 DSN; and a text-only NDR), Exim, qmail
 * and Yahoo; then garbage, deep nesting and oversized input.  Outlook.com's
 * rate limits and block lists (issue 12) are explained by their own entry
 * whether pasted whole, without the reply code, or as a log line.
 * IMAP response lines (issue 20: Dovecot's, postern's lock and hint
 * texts, Gmail's, Yahoo's, Microsoft's) are explained by their text,
 * with or without a tag, and never take over an SMTP reply.
 * The platforms' error texts (issue 21: nodemailer's as Instantly
 * reports them, Instantly's account states, Smartlead's bodies, IMAP
 * tools') are explained by their wording and the reply they carry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag/explain.h"
#include "diag/platform_text.h"

#define BOUNCE_DIR	"test/data/bounces/"

struct reply_case {
	const char	*reply;
	int		 rc;
	const char	*phrases[4];	/* in this order in the output */
};

struct outlook_case {
	const char	*reply;
	const char	*key;		/* the provider entry */
};

struct imap_case {
	const char	*line;
	const char	*key;		/* the entry, or NULL: none */
};

struct bounce_case {
	const char	*file;
	const char	*format;
	const char	*recipient;
	const char	*status;	/* "Reply:" line */
	const char	*phrases[3];	/* explanation, in order */
};

static void	test_replies(void **);
static void	test_reply_json(void **);
static void	test_reply_control_chars(void **);
static void	test_reply_outlook(void **);
static void	test_reply_imap(void **);
static void	test_reply_imap_json(void **);
static void	test_bounces(void **);
static void	test_bounce_json(void **);
static void	test_bounce_garbage(void **);
static void	test_bounce_limits(void **);
static void	test_cli_usage(void **);
static void	test_platform_texts(void **);
static void	test_platform_rows(void **);
static void	test_platform_json(void **);
static char	*run_reply(const char *, int, int *);
static char	*run_bounce(const char *, size_t, int, int *);
static char	*read_file(const char *, size_t *);
static void	assert_in_order(const char *, const char *const *, size_t,
		    const char *);

static const struct reply_case reply_cases[] = {
	{ "530", 0, { "Reply:      530", "class 5, permanent failure",
	    "Authentication required", "Whose side: sender" } },
	{ "550 5.7.26 This mail is unauthenticated, which poses a security "
	    "risk", 0, { "Provider reply [gmail-5.7.26]",
	    "Enhanced code [X.7.26]", "Reply code [550]", "SPF" } },
	{ "5.7.8", 0, { "Reply:      5.7.8", "subject 7, security",
	    "Authentication credentials invalid", "app password" } },
	{ "421-4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred\n"
	    "421 4.7.0 due to user complaints", 0, { "yahoo-tss04",
	    "[X.7.0]", "[421]", NULL } },
	{ "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked "
	    "using Spamhaus", 0, { "microsoft-spamhaus", "check.spamhaus.org",
	    "[X.7.1]", NULL } },
	{ "Remote Server returned '550 5.1.10 "
	    "RESOLVER.ADR.RecipientNotFound; not found'", 0, {
	    "Reply:      550 5.1.10", "microsoft-5.1.10", NULL, NULL } },
	{ "451 4.7.1 Daily sending limit of 500 recipients reached", 0, {
	    "submission-451-daily-limit", "[X.7.1]", "[451]", NULL } },
	{ "259 odd", 1, { "class 2, success", "Not in the knowledge base",
	    NULL, NULL } },
	{ "5.8.1 odd", 1, { "class 5, permanent failure",
	    "unassigned subject", "Not in the knowledge base", NULL } },
	{ "hello there", 1, { "No SMTP reply code", NULL, NULL, NULL } },
	{ "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate "
	    "limited due to IP reputation. For e-mail delivery information, "
	    "see https://aka.ms/postmaster (S775)", 0, {
	    "Provider reply [outlook-4.7.650]", "Whose side: sender",
	    "SNDS", "Reply code [451]" } },
};

#define OL_650	"The mail server [192.0.2.1] has been temporarily rate " \
	"limited due to IP reputation. For e-mail delivery information, " \
	"see https://aka.ms/postmaster (S775)"
#define OL_651	"The mail server [2001:db8::1] has been temporarily rate " \
	"limited due to IP reputation. For e-mail delivery information, " \
	"see https://postmaster.live.com (S3114)"
#define OL_652	"The mail server [192.0.2.1] has exceeded the maximum " \
	"number of connections. (S3115) " \
	"[BN3PEPF0000B06D.namprd21.prod.outlook.com 2024-07-01T12:34:16Z]"
#define OL_BL(id) "Unfortunately, messages from [192.0.2.1] weren't sent. " \
	"Please contact your Internet service provider since part of " \
	"their network is on our block list (" id "). You can also refer " \
	"your provider to " \
	"http://mail.live.com/mail/troubleshooting.aspx#errors. " \
	"[DB3EUR04FT007.eop-eur04.prod.protection.outlook.com]"

static const struct outlook_case outlook_cases[] = {
	{ "451 4.7.650 " OL_650, "outlook-4.7.650" },
	{ "4.7.650 " OL_650, "outlook-4.7.650" },
	/* Exim's log line and Postfix's bounce quote the reply. */
	{ "H=hotmail-com.olc.protection.outlook.com [52.101.73.17]: SMTP "
	    "error from remote mail server after pipelined MAIL "
	    "FROM:<a@example.com> SIZE=4169: 451 4.7.650 " OL_650
	    " [Name=Protocol Filter Agent][AGT=PFA]", "outlook-4.7.650" },
	{ "451 4.7.651 " OL_651, "outlook-4.7.651" },
	{ "4.7.651 " OL_651, "outlook-4.7.651" },
	{ "451 4.7.652 " OL_652, "outlook-4.7.652" },
	{ "4.7.652 " OL_652, "outlook-4.7.652" },
	{ "550 5.7.1 " OL_BL("S3140"), "outlook-s3140" },
	{ "5.7.1 " OL_BL("S3140"), "outlook-s3140" },
	{ "host outlook-com.olc.protection.outlook.com[52.101.68.20] said: "
	    "550 5.7.1\n    " OL_BL("S3140") " (in reply to MAIL FROM "
	    "command)", "outlook-s3140" },
	{ "550 5.7.1 " OL_BL("S3150"), "outlook-s3150" },
	{ "5.7.1 " OL_BL("S3150"), "outlook-s3150" },
};

static const struct imap_case imap_cases[] = {
	{ "a1 NO [AUTHENTICATIONFAILED] Authentication failed.",
	    "imap-authenticationfailed" },
	{ "[AUTHENTICATIONFAILED] Authentication failed.",	/* imaplib */
	    "imap-authenticationfailed" },
	{ "NO [CONTACTADMIN] Too many failed logins: this login is "
	    "temporarily locked until 2030-01-01 00:00:00 UTC; try again after "
	    "that or ask the server's administrator to unlock it",
	    "postern-imap-locked" },
	{ "a3 NO [CONTACTADMIN] Authentication failed: the username must be "
	    "the full email address", "postern-imap-hint" },
	{ "a2 NO [CONTACTADMIN] Account disabled", "imap-contactadmin" },
	{ "a1 NO [UNAVAILABLE] Temporary authentication failure.",
	    "imap-unavailable-auth" },
	{ "b NO [PRIVACYREQUIRED] Plaintext authentication disallowed on "
	    "non-secure (SSL/TLS) connections.", "imap-privacyrequired" },
	{ "* BAD [ALERT] Plaintext authentication not allowed without SSL/TLS, "
	    "but your client did it anyway.", "dovecot-plaintext-alert" },
	{ "* BYE [UNAVAILABLE] Maximum number of connections from user+IP "
	    "exceeded (mail_max_userip_connections=10)",
	    "dovecot-userip-limit" },
	{ "a5 NO Client tried to access nonexistent namespace. (Mailbox name "
	    "should probably be prefixed with: INBOX.)",
	    "dovecot-namespace-prefix" },
	{ "create mailbox \"Warmbly\": imap: NO Client tried to access "
	    "nonexistent namespace. (Mailbox name should probably be prefixed "
	    "with: INBOX.)", "dovecot-namespace-prefix" },
	{ "a6 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)",
	    "imap-overquota" },
	{ "a7 NO [LIMIT] Mail size is larger than the maximum size allowed by "
	    "server configuration", "dovecot-mail-size" },
	{ "a0 NO [ALERT] Application-specific password required: "
	    "https://support.google.com/accounts/answer/185833 (Failure)",
	    "gmail-imap-app-password" },
	{ "1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
	    "gmail-imap-invalid" },
	{ "a0 NO [AUTHENTICATIONFAILED] LOGIN Invalid credentials",
	    "yahoo-imap-invalid" },
	{ "3 NO AUTHENTICATE failed.", "outlook-imap-authenticate-failed" },
	{ "2 NO LOGIN failed.", "outlook-imap-login-failed" },
	{ "a1 NO Basic authentication is disabled.",
	    "microsoft-basic-auth-disabled" },
	{ "a9 NO Something nobody has seen", NULL },
};

static const struct bounce_case bounce_cases[] = {
	{ "postfix-dsn.eml", "RFC 3464 delivery status notification (Postfix)",
	    "bob@example.com", "550 5.1.1", { "Status:     5.1.1",
	    "[X.1.1]: Bad destination mailbox address", "[550]" } },
	{ "gmail-dsn.eml", "(Gmail)", "alice@example.org", "550 5.7.26", {
	    "Provider reply [gmail-5.7.26]", "[X.7.26]", NULL } },
	{ "microsoft-ndr.eml", "(Microsoft)", "grace@contoso.example",
	    "550 5.4.1", { "Provider reply [microsoft-5.4.1]",
	    "does not exist in the recipient's organisation", NULL } },
	{ "microsoft-text.eml", "Bounce: Microsoft", "heidi@fabrikam.example",
	    "550 5.1.10", { "microsoft-5.1.10", NULL, NULL } },
	{ "exim.eml", "Bounce: Exim", "carol@example.net", "550 5.2.1", {
	    "[X.2.1]: Mailbox disabled", NULL, NULL } },
	{ "qmail.eml", "Bounce: qmail", "dave@example.com", "552 5.2.2", {
	    "[X.2.2]: Mailbox full", "[552]", NULL } },
	{ "yahoo.eml", "Bounce: Yahoo", "erin@example.com", "421 4.7.0", {
	    "Provider reply [yahoo-tss04]", "[X.7.0]", "[421]" } },
};

/* Addresses quoted in the returned originals, never recipients. */
static const char *const not_recipients[] = {
	"other@example.net", "mallory@elsewhere.example", "ivan@example.com",
	"judy@example.net", "a quoted line",
	"this line is in the original",
};

static char *
run_reply(const char *reply, int json, int *rc)
{
	char	*out = NULL;
	size_t	 n = 0;
	FILE	*f = open_memstream(&out, &n);

	assert_non_null(f);
	*rc = explain_reply_text(reply, f, json);
	assert_int_equal(fclose(f), 0);
	return out;
}

static char *
run_bounce(const char *data, size_t len, int json, int *rc)
{
	char	*out = NULL;
	size_t	 n = 0;
	FILE	*f = open_memstream(&out, &n);

	assert_non_null(f);
	*rc = explain_bounce(data, len, f, json);
	assert_int_equal(fclose(f), 0);
	return out;
}

static char *
read_file(const char *name, size_t *len)
{
	char	 path[256], *data;
	FILE	*f;
	long	 n;

	snprintf(path, sizeof(path), "%s%s", BOUNCE_DIR, name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s (run from the source tree)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* Whole lines as the platforms show them: row, then what must follow. */
static const struct reply_case platform_cases[] = {
	{ "Error: Invalid login: 535 5.7.8 Authentication credentials "
	    "invalid", 0, { "Layer:      SMTP AUTH",
	    "[nodemailer-invalid-login]", "The SMTP reply it carries",
	    "Reply:      535 5.7.8" } },
	{ "Greeting never received", 0, { "[nodemailer-greeting]",
	    "Implicit TLS", "Use 587 with STARTTLS", NULL } },
	{ "Mail command failed: 530 5.7.0 Must issue a STARTTLS command "
	    "first", 0, { "[nodemailer-mail-failed]", "530: MAIL before AUTH",
	    "Reply:      530 5.7.0", NULL } },
	{ "Error initiating TLS - Error: write EPROTO error:1408F10B:SSL "
	    "routines:ssl3_get_record:wrong version number", 0, {
	    "[tls-wrong-version]", "Use 465 (SMTP) or 993 (IMAP)", NULL,
	    NULL } },
	{ "Error initiating TLS - Hostname/IP does not match certificate's "
	    "altnames", 0, { "[tls-altnames]", "certs/NAME/", NULL, NULL } },
	{ "Error initiating TLS - self signed certificate", 0, {
	    "[nodemailer-tls]", "fullchain.pem", NULL, NULL } },
	{ "Invalid login sequence while waiting for \"334 VXNlcm5hbWU6\"", 0,
	    { "[nodemailer-login-sequence]", NULL, NULL, NULL } },
	{ "Can't send mail - all recipients were rejected: 451 4.7.1 Daily "
	    "sending limit of 50 recipients reached", 0, {
	    "[nodemailer-all-rcpts]", "Reply:      451 4.7.1",
	    "submission-451-daily-limit", NULL } },
	{ "Recipient command failed: 550 5.1.1 no such user", 0, {
	    "[nodemailer-rcpt-failed]", "Reply:      550 5.1.1", NULL, NULL } },
	{ "error: data command failed: 550-5.4.5 daily user sending limit "
	    "exceeded", 0, { "[nodemailer-data-failed]", "Reply:      550",
	    NULL, NULL } },
	{ "Connection timeout", 0, { "[nodemailer-timeout]",
	    "Whose side: network", NULL, NULL } },
	{ "Connection closed unexpectedly", 0, { "[nodemailer-closed]", NULL,
	    NULL, NULL } },
	{ "connect ECONNREFUSED 192.0.2.1:587", 0, { "[node-econnrefused]",
	    "postern serve", NULL, NULL } },
	{ "status -1 Connection Error", 0, { "[instantly-connection-error]",
	    "e_message", NULL, NULL } },
	{ "warmup_status -2 \"Spam Folder Unknown\"", 0, {
	    "[instantly-spam-folder]", "\\Junk", "--imap", NULL } },
	{ "{\"ok\": false, \"message\": \"SMTP connection failed\", "
	    "\"error\": \"Invalid credentials\"}", 0, {
	    "[smartlead-credentials]", "full email address", NULL, NULL } },
	{ "SMTP connection failed", 0, { "[smartlead-smtp-failed]", NULL,
	    NULL, NULL } },
	{ "Connection Timed Out", 0, { "Platform:   Smartlead",
	    "[smartlead-timed-out]", "port to 587", NULL } },
	{ "IMAP connection failed: NO [AUTHENTICATIONFAILED] "
	    "Authentication failed.", 0, { "[imap-connection-failed]",
	    "The IMAP response it carries", "IMAP:       NO", NULL } },
	{ "Your account has a limited connection", 0, {
	    "[limited-connection]", "replies", "--imap", NULL } },
};

static void
assert_in_order(const char *out, const char *const *phrases, size_t n,
    const char *what)
{
	const char	*p = out;
	size_t		 i;

	for (i = 0; i < n && phrases[i] != NULL; i++) {
		if ((p = strstr(p, phrases[i])) == NULL)
			fail_msg("%s: \"%s\" missing or out of order in:\n%s",
			    what, phrases[i], out);
		p += strlen(phrases[i]);
	}
}

static void
test_replies(void **state)
{
	const struct reply_case	*c;
	char			*out;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		c = &reply_cases[i];
		out = run_reply(c->reply, 0, &rc);
		if (rc != c->rc)
			fail_msg("\"%s\": rc %d", c->reply, rc);
		assert_in_order(out, c->phrases, 4, c->reply);
		free(out);
	}
}

static void
test_reply_json(void **state)
{
	char	*out;
	int	 rc;

	out = run_reply("550 5.7.26 Unauthenticated email from example.com",
	    1, &rc);
	assert_int_equal(rc, 0);
	assert_true(out[0] == '{');
	assert_non_null(strstr(out, "\"code\":550"));
	assert_non_null(strstr(out, "\"enhanced\":\"5.7.26\""));
	assert_non_null(strstr(out, "\"explained\":true"));
	assert_non_null(strstr(out, "\"kind\":\"provider\",\"key\":"
	    "\"gmail-5.7.26\""));
	assert_non_null(strstr(out, "\"side\":\"sender\""));
	assert_string_equal(out + strlen(out) - 2, "}\n");
	free(out);

	out = run_reply("not a reply", 1, &rc);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "\"parsed\":false"));
	free(out);
}

static void
test_reply_control_chars(void **state)
{
	char	*out;
	int	 rc;

	out = run_reply("550 5.7.1 \x1b[31mred\x07 text", 0, &rc);
	assert_int_equal(rc, 0);
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	assert_non_null(strstr(out, "?[31mred? text"));
	free(out);
}

/* Each text selects its entry, on the sender's side, with the fixes. */
static void
test_reply_outlook(void **state)
{
	static const char *const fixes[] = { "SNDS", "JMRP" };
	const struct outlook_case *c;
	char			 want[128], *out;
	const char		*p;
	size_t			 i, k;
	int			 rc;

	for (i = 0; i < sizeof(outlook_cases) / sizeof(outlook_cases[0]);
	    i++) {
		c = &outlook_cases[i];
		out = run_reply(c->reply, 1, &rc);
		if (rc != 0)
			fail_msg("\"%s\": rc %d\n%s", c->reply, rc, out);
		snprintf(want, sizeof(want), "\"kind\":\"provider\",\"key\":"
		    "\"%s\",\"provider\":\"Outlook.com\"", c->key);
		/* The provider entry comes first, and its side is sender. */
		if ((p = strstr(out, "\"matches\":[{")) == NULL ||
		    strncmp(p + strlen("\"matches\":[{"), want,
		    strlen(want)) != 0)
			fail_msg("\"%s\": no %s first in\n%s", c->reply,
			    c->key, out);
		p = strstr(p, "\"side\":");
		assert_non_null(p);
		if (strncmp(p, "\"side\":\"sender\"", 15) != 0)
			fail_msg("\"%s\": %.24s", c->reply, p);
		for (k = 0; k < sizeof(fixes) / sizeof(fixes[0]); k++)
			if (strstr(out, fixes[k]) == NULL)
				fail_msg("\"%s\": no %s in\n%s", c->reply,
				    fixes[k], out);
		free(out);
	}
}

/* Each IMAP line selects its entry; an unknown one says so. */
static void
test_reply_imap(void **state)
{
	const struct imap_case	*c;
	char			 want[128], *out;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(imap_cases) / sizeof(imap_cases[0]); i++) {
		c = &imap_cases[i];
		out = run_reply(c->line, 0, &rc);
		if (rc != (c->key == NULL) || strncmp(out, "IMAP:       ", 12))
			fail_msg("\"%s\": rc %d\n%s", c->line, rc, out);
		if (c->key != NULL)
			snprintf(want, sizeof(want), "IMAP response [%s]:",
			    c->key);
		else
			snprintf(want, sizeof(want), "not in the knowledge "
			    "base");
		if (strstr(out, want) == NULL || strstr(out, "Digits:"))
			fail_msg("\"%s\": no \"%s\" in\n%s", c->line, want,
			    out);
		free(out);
	}
	/* SMTP replies and prose are read as before */
	out = run_reply("535 5.7.8 Authentication credentials invalid", 0,
	    &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "[submission-535]"));
	assert_null(strstr(out, "IMAP"));
	free(out);
	out = run_reply("there is no reply here", 0, &rc);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "No SMTP reply code"));
	free(out);
}

static void
test_reply_imap_json(void **state)
{
	char	*out;
	int	 rc;

	out = run_reply("a1 NO [AUTHENTICATIONFAILED] Authentication failed.",
	    1, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"parsed\":true,\"protocol\":\"imap\""));
	assert_non_null(strstr(out, "\"code\":null"));
	assert_non_null(strstr(out, "\"text\":\"NO [AUTHENTICATIONFAILED] "
	    "Authentication failed.\""));
	assert_non_null(strstr(out, "\"kind\":\"provider\",\"key\":"
	    "\"imap-authenticationfailed\""));
	free(out);
	out = run_reply("550 5.7.1 blocked", 1, &rc);
	assert_null(strstr(out, "protocol"));
	free(out);
}

static void
test_bounces(void **state)
{
	const struct bounce_case *c;
	char			 want[512], *data, *out;
	size_t			 i, k, len;
	int			 rc;

	for (i = 0; i < sizeof(bounce_cases) / sizeof(bounce_cases[0]);
	    i++) {
		c = &bounce_cases[i];
		data = read_file(c->file, &len);
		out = run_bounce(data, len, 0, &rc);
		if (rc != 0)
			fail_msg("%s: rc %d\n%s", c->file, rc, out);
		if (strstr(out, c->format) == NULL)
			fail_msg("%s: format \"%s\" not in\n%s", c->file,
			    c->format, out);
		if (strstr(out, "1 recipient found") == NULL)
			fail_msg("%s: recipient count in\n%s", c->file, out);
		snprintf(want, sizeof(want), "Recipient: %s\n", c->recipient);
		if (strstr(out, want) == NULL)
			fail_msg("%s: \"%s\" not in\n%s", c->file, want, out);
		snprintf(want, sizeof(want), "Reply:      %s\n", c->status);
		if (strstr(out, want) == NULL)
			fail_msg("%s: \"%s\" not in\n%s", c->file, want, out);
		assert_in_order(out, c->phrases, 3, c->file);
		for (k = 0; k < sizeof(not_recipients) /
		    sizeof(not_recipients[0]); k++)
			if (strstr(out, not_recipients[k]) != NULL)
				fail_msg("%s: read the original (%s)",
				    c->file, not_recipients[k]);
		free(out);
		free(data);
	}
}

static void
test_bounce_json(void **state)
{
	char	*data, *out;
	size_t	 len;
	int	 rc;

	data = read_file("postfix-dsn.eml", &len);
	out = run_bounce(data, len, 1, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"recipient\":\"bob@example.com\""));
	assert_non_null(strstr(out, "\"action\":\"failed\""));
	assert_non_null(strstr(out, "\"status\":\"5.1.1\""));
	assert_non_null(strstr(out, "\"remote_mta\":\"dns; mx1.example.com\""));
	assert_non_null(strstr(out, "\"key\":\"X.1.1\""));
	assert_non_null(strstr(out, "\"explained\":true}"));
	free(out);
	free(data);
}

static void
test_bounce_garbage(void **state)
{
	static const char *const inputs[] = {
		"",
		"\n",
		"\r\n\r\n",
		"Subject: x\n",
		"Content-Type: multipart/report; boundary=\"b\"\n\n--b\n",
		"Content-Type: multipart/report; boundary=\"b\"\n\n--b\n"
		    "Content-Type: message/delivery-status\n\n"
		    "Final-Recipient: rfc822;\n",
		"Content-Type: multipart/report; boundary=\n\n--\n--\n",
		"Content-Type: multipart/report; boundary=\"\"\n\n--\n",
		"Content-Type: message/delivery-status\n"
		    "Content-Transfer-Encoding: base64\n\n====!!!!\n",
		"Content-Type: text/plain\n"
		    "Content-Transfer-Encoding: quoted-printable\n\n=\n=4=ZZ=",
		"<a@b.c>:\n550",
		"550",
		"x@y.z\n\n\n",
		"Diagnostic-Code: smtp; 550 5.1.1 x\n",
	};
	static char	 big[65536];
	char		*out;
	size_t		 i, j, n;
	uint32_t	 seed = 12345;
	int		 rc;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		out = run_bounce(inputs[i], strlen(inputs[i]), i % 2, &rc);
		assert_true(rc == 0 || rc == 1);
		free(out);
	}
	/* Deep nesting: bounded by the parser, not the stack. */
	n = 0;
	for (i = 0; i < 500 && n + 120 < sizeof(big); i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
		    "Content-Type: multipart/mixed; boundary=\"b%zu\"\n\n"
		    "--b%zu\n", i, i);
	out = run_bounce(big, n, 0, &rc);
	assert_int_equal(rc, 1);
	free(out);
	/* Random bytes, with NULs and lone CRs. */
	for (i = 0; i < 200; i++) {
		n = (i * 331) % sizeof(big);
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			big[j] = (char)(seed >> 16);
			if ((seed >> 8) % 7 == 0)
				big[j] = "\n: <@>5.-\r"[(seed >> 4) % 10];
		}
		out = run_bounce(big, n, (int)(i % 2), &rc);
		assert_true(rc == 0 || rc == 1);
		free(out);
	}
}

static void
test_bounce_limits(void **state)
{
	static const char	many_head[] = "Content-Type: text/plain\n\n";
	char			*data, *out, line[64];
	size_t			 i, n, cap = 200 * 64;
	int			 rc;

	/* Refused before it is read. */
	assert_int_equal(explain_bounce("x", (size_t)EXPLAIN_BOUNCE_MAX + 1,
	    stdout, 0), -1);
	/* More recipients than reported: the rest are dropped. */
	data = malloc(cap);
	assert_non_null(data);
	memcpy(data, many_head, sizeof(many_head) - 1);
	n = sizeof(many_head) - 1;
	for (i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "<u%zu@example.com>:\n550 5.1.1 "
		    "no\n\n", i);
		memcpy(data + n, line, strlen(line));
		n += strlen(line);
	}
	out = run_bounce(data, n, 0, &rc);
	assert_int_equal(rc, 0);
	snprintf(line, sizeof(line), "%d recipients found",
	    EXPLAIN_RCPT_MAX);
	assert_non_null(strstr(out, line));
	free(out);
	free(data);
}

static void
test_cli_usage(void **state)
{
	char	*none[] = { NULL };
	char	*bad[] = { "--bogus", NULL };
	char	*both[] = { "--bounce", "x.eml", "530", NULL };
	char	*missing[] = { "--bounce", "/nonexistent/bounce.eml", NULL };

	assert_int_equal(cli_explain(NULL, 0, none), 2);
	assert_int_equal(cli_explain(NULL, 1, bad), 2);
	assert_int_equal(cli_explain(NULL, 3, both), 2);
	assert_int_equal(cli_explain(NULL, 2, missing), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_reply_json),
		cmocka_unit_test(test_reply_control_chars),
		cmocka_unit_test(test_reply_outlook),
		cmocka_unit_test(test_reply_imap),
		cmocka_unit_test(test_reply_imap_json),
		cmocka_unit_test(test_bounces),
		cmocka_unit_test(test_bounce_json),
		cmocka_unit_test(test_bounce_garbage),
		cmocka_unit_test(test_bounce_limits),
		cmocka_unit_test(test_cli_usage),
		cmocka_unit_test(test_platform_texts),
		cmocka_unit_test(test_platform_rows),
		cmocka_unit_test(test_platform_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Each family of platform texts, pasted whole, gives its row and fix. */
static void
test_platform_texts(void **state)
{
	size_t	 i;
	char	*out;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(platform_cases) / sizeof(platform_cases[0]);
	    i++) {
		out = run_reply(platform_cases[i].reply, 0, &rc);
		assert_int_equal(rc, platform_cases[i].rc);
		assert_in_order(out, platform_cases[i].phrases, 4,
		    platform_cases[i].reply);
		assert_non_null(strstr(out, "What to do:"));
		free(out);
	}
	/* An SMTP reply or IMAP response alone stays as it was. */
	out = run_reply("535 5.7.8 Authentication credentials invalid", 0,
	    &rc);
	assert_null(strstr(out, "Platform"));
	free(out);
	out = run_reply("a1 NO [AUTHENTICATIONFAILED] Invalid credentials "
	    "(Failure)", 0, &rc);
	assert_null(strstr(out, "Platform"));
	free(out);
}

/*
 * Every row is complete, and its first pattern finds that row (or one
 * listed before it on purpose): no row is hidden by an earlier one.
 */
static void
test_platform_rows(void **state)
{
	const struct platform_text	*p;
	size_t				 i;
	char				 line[256];

	(void)state;
	assert_true(platform_text_count() >= 20);
	assert_null(platform_text_at(platform_text_count()));
	for (i = 0; (p = platform_text_at(i)) != NULL; i++) {
		assert_non_null(p->layer);
		assert_true(p->entry.npatterns >= 1);
		assert_true(p->entry.ncauses >= 1 &&
		    p->entry.ncauses <= KB_LIST_MAX);
		assert_true(p->entry.nfixes >= 1 &&
		    p->entry.nfixes <= KB_LIST_MAX);
		snprintf(line, sizeof(line), "x: %s  %s: y",
		    p->entry.patterns[0], p->entry.npatterns > 1 ?
		    p->entry.patterns[1] : "");
		assert_ptr_equal(platform_text_find(line), p);
	}
	assert_null(platform_text_find("hello there"));
	assert_null(platform_text_find("550 5.1.1 User unknown"));
	/* Case and runs of white space do not matter. */
	assert_non_null(platform_text_find("GREETING   never\treceived"));
}

static void
test_platform_json(void **state)
{
	char	*out;
	int	 rc;

	(void)state;
	out = run_reply("Invalid login: 535 5.7.8 Error: authentication "
	    "failed", 1, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"platform\":{\"client\":"));
	assert_non_null(strstr(out, "\"layer\":\"SMTP AUTH\""));
	assert_non_null(strstr(out, "\"code\":535"));
	free(out);
	out = run_reply("Greeting never received", 1, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"platform_explained\":true"));
	free(out);
}
