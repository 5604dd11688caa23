/*
 * bounce_class_test: the classifier's rows (core/bounce_class.c) on the
 * replies issue 24 names: a bad mailbox is the recipient's fault and
 * suppressed; Gmail, Microsoft and Yahoo sender blocks are the sender's
 * and never suppressed; mailbox full and disabled accounts are the
 * recipient's but soft; texts decide where the code is generic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/bounce_class.h"

struct bc_case {
	int		 code;
	const char	*enhanced;
	const char	*text;
	const char	*mx;
	const char	*reason;
	const char	*fault;
	int		 hard;
	int		 suppress;
};

static const struct bc_case cases[] = {
	{ 550, "5.1.1", "<gone@x.test>: Recipient address rejected: User "
	    "unknown in virtual mailbox table", NULL, "userunknown",
	    "recipient", 1, 1 },
	{ 550, "", "No such user here", NULL, "userunknown", "recipient",
	    1, 1 },
	{ 550, "5.0.0", "<a@b.test>... User unknown", NULL, "userunknown",
	    "recipient", 1, 1 },
	{ 550, "5.1.2", "Host unknown", NULL, "hostunknown", "recipient",
	    1, 1 },
	{ 550, "5.1.6", "mailbox has moved", NULL, "hasmoved", "recipient",
	    1, 1 },
	{ 556, "5.1.10", "Recipient address has null MX", NULL,
	    "notaccept", "recipient", 1, 1 },
	{ 552, "5.2.2", "The email account that you tried to reach is over "
	    "quota", "gmail-smtp-in.l.google.com", "mailboxfull",
	    "recipient", 0, 0 },
	{ 552, "", "Requested mail action aborted: exceeded storage "
	    "allocation", NULL, "mailboxfull", "recipient", 0, 0 },
	{ 550, "5.2.1", "The email account that you tried to reach is "
	    "disabled", "gmail-smtp-in.l.google.com", "suspend",
	    "recipient", 0, 0 },
	{ 550, "5.7.1", "Our system has detected that this message is "
	    "likely unsolicited mail", "gmail-smtp-in.l.google.com",
	    "spamdetected", "sender", 0, 0 },
	{ 550, "5.7.1", "[192.0.2.1] The IP you're using to send mail is "
	    "not authorized ... blocked", "aspmx.l.google.com", "blocked",
	    "sender", 0, 0 },
	{ 421, "4.7.28", "Gmail has detected an unusual rate of unsolicited "
	    "mail from your DKIM domain", "gmail-smtp-in.l.google.com",
	    "ratelimited", "sender", 0, 0 },
	{ 550, "5.7.26", "Unauthenticated email from a.test is not "
	    "accepted due to domain's DMARC policy", NULL, "authfailure",
	    "sender", 0, 0 },
	{ 550, "5.7.708", "Service unavailable. Access denied, traffic not "
	    "accepted from this IP", "x.mail.protection.outlook.com",
	    "blocked", "sender", 0, 0 },
	{ 550, "5.7.1", "Unfortunately, messages from [192.0.2.1] weren't "
	    "sent ... part of their network is on our block list (S3150)",
	    "outlook-com.olc.protection.outlook.com", "blocked", "sender",
	    0, 0 },
	{ 451, "4.7.650", "The mail server [192.0.2.1] has been temporarily "
	    "rate limited due to IP reputation (S775)", NULL,
	    "badreputation", "sender", 0, 0 },
	{ 421, "4.7.0", "[TSS04] Messages from 192.0.2.1 temporarily "
	    "deferred due to unexpected volume or user complaints",
	    "mta5.am0.yahoodns.net", "badreputation", "sender", 0, 0 },
	{ 554, "", "30 Sorry, your message to a@yahoo.test cannot be "
	    "delivered. [TSS09]", NULL, "blocked", "sender", 0, 0 },
	{ 553, "5.7.1", "[BL21] Connections will not be accepted from "
	    "192.0.2.1, because the ip is in Spamhaus's list", NULL,
	    "blocked", "sender", 0, 0 },
	{ 554, "5.7.1", "<x.test[192.0.2.1]>: Client host rejected: Access "
	    "denied", NULL, "blocked", "sender", 0, 0 },
	{ 553, "5.1.8", "<s@nowhere.test>: Sender address rejected: "
	    "Domain not found", NULL, "rejected", "sender", 0, 0 },
	{ 554, "5.7.1", "<a@b.test>: Relay access denied", NULL,
	    "norelaying", "unknown", 0, 0 },
	{ 552, "5.3.4", "Message size exceeds fixed limit", NULL,
	    "mesgtoobig", "sender", 0, 0 },
	{ 450, "4.4.7", "gave up after 120 hours in the queue", NULL,
	    "expired", "unknown", 0, 0 },
	{ 550, "", "<a@b.test>: User unknown (in reply to end of DATA "
	    "command)", NULL, "filtered", "recipient", 0, 0 },
	{ 451, "", "nothing we know", NULL, "undefined", "unknown", 0, 0 },
	/* RFC 3463 X.7.1: "The sender is not authorized" (Sisimai agrees) */
	{ 550, "5.7.1", "Delivery not authorized", NULL, "securityerror",
	    "sender", 0, 0 },
	{ 550, "5.7.1", "Recipient address rejected: not authorized", NULL,
	    "filtered", "recipient", 0, 0 },
	{ 550, "5.7.1", "", NULL, "securityerror", "sender", 0, 0 },
	/* an unknown host said as 4xx is a lookup that may work later */
	{ 450, "4.0.0", "DNS Error: DNS type 'mx' lookup of x.test "
	    "responded with code NXDOMAIN Domain name not found: x.test",
	    NULL, "networkerror", "unknown", 0, 0 },
	{ 550, "5.4.4", "Name service error for name=x.test type=MX: "
	    "Malformed or unexpected name server reply", NULL,
	    "networkerror", "unknown", 0, 0 },
	/* "host * not found": one word between, no more */
	{ 550, "", "DNS lookup failure: host cx.x.test not found", NULL,
	    "hostunknown", "recipient", 1, 1 },
	{ 550, "", "host mx.x.test says the user was not found", NULL,
	    "undefined", "unknown", 0, 0 },
	/* Orange / La Poste codes decide whatever the words or digits */
	{ 550, "5.2.0", "Mail rejete. Mail rejected. OFR_506 [506]", NULL,
	    "spamdetected", "sender", 0, 0 },
	{ 421, "4.2.1", "Service refuse. Veuillez essayer plus tard. "
	    "Service refused, please try later. LPN007_505", NULL,
	    "systemerror", "unknown", 0, 0 },
	{ 550, "5.5.0", "Service refused, please try later. OFR004_201",
	    NULL, "undefined", "unknown", 0, 0 },
	{ 550, "", "Recipient address rejected: Mailer error", NULL,
	    "mailererror", "unknown", 0, 0 },
	/* "Recipient address rejected:" yields to a code of another subject */
	{ 550, "5.6.0", "<a@b.test>: Recipient address rejected: Media "
	    "error", NULL, "contenterror", "sender", 0, 0 },
	{ 550, "", "<a@b.test>: Recipient address rejected: whatever", NULL,
	    "userunknown", "recipient", 1, 1 },
	/* RFC 5321 §4.2.2 syntax replies when nothing else is said */
	{ 504, "", "Command parameter not implemented", NULL, "syntaxerror",
	    "sender", 0, 0 },
	/* words that do not know do not block or suppress */
	{ 550, "", "The account or domain may not exist, they may be "
	    "blacklisted, or missing the proper dns entries.", NULL,
	    "undefined", "unknown", 0, 0 },
	/* null MX in Exim's, qmail's and OpenSMTPD's words */
	{ 550, "", "an MX or SRV record indicated no SMTP service", NULL,
	    "notaccept", "recipient", 1, 1 },
	{ 550, "", "Sorry, I couldn't find a mail exchanger or IP address. "
	    "(#5.4.4)", NULL, "notaccept", "recipient", 1, 1 },
	/* Postfix's "Recipient address rejected:" heads other reasons */
	{ 554, "5.3.0", "<a@b.test>: Recipient address rejected: Internal "
	    "system error", NULL, "systemerror", "unknown", 0, 0 },
	{ 550, "5.7.1", "<a@b.test>: Recipient address rejected: User "
	    "a@b.test temporary locked", NULL, "suspend", "recipient", 0, 0 },
	/* 5.1.3 is weak: the block list decides; "spamhaus" is no spam */
	{ 553, "5.1.3", "http://www.spamhaus.org/query/bl?ip=192.0.2.1",
	    NULL, "blocked", "sender", 0, 0 },
	/* folded text still matches a provider row */
	{ 550, "5.4.1", "[a@b.test]: Recipient\n     address rejected: "
	    "Access denied [X.prod.protection.outlook.com]", NULL,
	    "userunknown", "recipient", 1, 1 },
	{ 550, "5.7.1", "Access denied", NULL, "rejected", "sender", 0, 0 },
	{ 452, "4.4.5", "Insufficient disk space; try again later", NULL,
	    "systemfull", "unknown", 0, 0 },
	{ 550, "", "Please turn on SMTP Authentication in your mail client",
	    NULL, "securityerror", "sender", 0, 0 },
	{ 550, "5.2.0", "Message Filtered", NULL, "filtered", "recipient", 0,
	    0 },
	{ 550, "", "because the address couldn't be found", NULL,
	    "userunknown", "recipient", 1, 1 },
	{ 550, "", "you may not have permission to post messages to the "
	    "group ... https://groups.google.com/support/", NULL, "rejected",
	    "sender", 0, 0 },
	{ 550, "5.1.1", "<a@b.test> - 192.0.2.1 has sent to too many "
	    "recipients this hour. IB607", NULL, "ratelimited", "sender", 0,
	    0 },
	{ 550, "", "The number of messages in recipient's mailbox exceeded "
	    "the local limit.", NULL, "mailboxfull", "recipient", 0, 0 },
	/* advice about SPF does not make a spam refusal an SPF failure */
	{ 550, "", "Your email to group a@b.test was rejected due to spam "
	    "classification. * Set up SPF records for your sending domain",
	    NULL, "spamdetected", "sender", 0, 0 },
	{ 550, "5.7.1", "SPF check failed for 192.0.2.1", NULL,
	    "authfailure", "sender", 0, 0 },
	{ 550, "", "Message headers follow", NULL, "undefined", "unknown",
	    0, 0 },
	/* a 4xx "does not accept mail" is not final */
	{ 450, "", "host does not accept mail", NULL, "notaccept",
	    "recipient", 0, 0 },
};

static void
test_cases(void **state)
{
	struct bounce_class	c;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bc_case *t = &cases[i];

		bounce_classify(t->code, t->enhanced, t->text, t->mx, &c);
		if (strcmp(bounce_reason_name(c.reason), t->reason) != 0 ||
		    strcmp(bounce_fault_name(c.fault), t->fault) != 0 ||
		    c.hard != t->hard || bounce_suppress(&c) != t->suppress)
			fail_msg("case %zu \"%s\": got %s/%s/%d (rule %s)", i,
			    t->text, bounce_reason_name(c.reason),
			    bounce_fault_name(c.fault), c.hard, c.rule);
	}
}

/* Provider rows with a host suffix apply to that provider only. */
static void
test_provider_host(void **state)
{
	struct bounce_class	c;

	(void)state;
	bounce_classify(550, "5.7.1", "message blocked by the recipient's "
	    "rules", "mx.example.test", &c);
	assert_string_equal(bounce_reason_name(c.reason), "blocked");
	bounce_classify(550, "5.7.1", "blocked", "alt1.aspmx.l.google.com.",
	    &c);
	assert_string_equal(c.rule, "blocked");
	assert_int_equal(c.fault, BOUNCE_FAULT_SENDER);
	/* Gmail's word yields to a specific code it comes with */
	bounce_classify(550, "5.7.26", "550-5.7.26 The MAIL FROM domain has "
	    "an SPF record with a\n550-5.7.26 hard fail policy ... the "
	    "message has been blocked.", "gmail-smtp-in.l.google.com", &c);
	assert_string_equal(bounce_reason_name(c.reason), "authfailure");
	/* the codes a folded multi-line reply repeats do not break words */
	bounce_classify(550, "5.7.1", "550-5.7.1 Messages with multiple 550 "
	    "5.7.1 addresses in From: header are not accepted.", NULL, &c);
	assert_string_equal(bounce_reason_name(c.reason), "notcompliantrfc");
}

/* NULL and empty inputs, and out-of-range enums, are safe. */
static void
test_edges(void **state)
{
	struct bounce_class	c;

	(void)state;
	bounce_classify(0, NULL, NULL, NULL, &c);
	assert_int_equal(c.reason, BOUNCE_UNDEFINED);
	bounce_classify(0, "5.1.1", NULL, NULL, &c);
	assert_int_equal(c.reason, BOUNCE_USERUNKNOWN);
	assert_true(bounce_suppress(&c));
	assert_string_equal(bounce_reason_name(BOUNCE_NREASONS), "undefined");
	assert_string_equal(bounce_fault_name((enum bounce_fault)7),
	    "unknown");
}

struct bc_cmd_case {
	int		 code;
	const char	*enhanced;
	const char	*text;
	const char	*mx;
	enum bounce_cmd	 cmd;
	const char	*reason;
};

/* The failed command a bounce names changes what a text means. */
static const struct bc_cmd_case cmd_cases[] = {
	/* after DATA, RCPT had been accepted: a filter */
	{ 550, "5.0.0", "Unknown user kijitora@example.jp", NULL,
	    BOUNCE_CMD_DATA, "filtered" },
	/* ... unless an X.1.x code says the mailbox is bad */
	{ 550, "5.1.1", "<a@b.test>: User unknown", NULL, BOUNCE_CMD_DATA,
	    "userunknown" },
	/* at RCPT, as the queue sees it, it stays a bad mailbox */
	{ 550, "5.0.0", "Unknown user a@b.test", NULL, BOUNCE_CMD_RCPT,
	    "userunknown" },
	{ 550, "", "No such user here", NULL, BOUNCE_CMD_ANY,
	    "userunknown" },
	/* at MAIL FROM the unknown address is the sender's */
	{ 553, "5.1.0", "neko.example.com does not exist", NULL,
	    BOUNCE_CMD_MAIL, "rejected" },
	/* the command found in the text when the caller knows none */
	{ 550, "", "Unknown user a@b.test (in reply to end of DATA "
	    "command)", NULL, BOUNCE_CMD_UNKNOWN, "filtered" },
	/* NTT Docomo's refusal of a sender at the end of DATA */
	{ 550, "5.0.0", "Unknown user a@docomo.test", "mfsmax.docomo.ne.jp",
	    BOUNCE_CMD_DATA, "rejected" },
	{ 550, "5.2.0", "Unknown user a@docomo.test", "mfsmax.docomo.ne.jp",
	    BOUNCE_CMD_DATA, "filtered" },
	/* KDDI's filter leaves the address out */
	{ 550, "", "550 : User unknown", NULL, BOUNCE_CMD_RCPT, "filtered" },
	/* providers decide whatever the command */
	{ 554, "", "delivery error: dd This user doesn't have a yahoo.com "
	    "account", NULL, BOUNCE_CMD_DATA, "userunknown" },
	{ 550, "5.1.1", "RCP-P2 Refused due to recipient preferences", NULL,
	    BOUNCE_CMD_RCPT, "filtered" },
};

static void
test_command(void **state)
{
	struct bounce_class	c;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cmd_cases) / sizeof(cmd_cases[0]); i++) {
		const struct bc_cmd_case *t = &cmd_cases[i];

		bounce_classify_cmd(t->code, t->enhanced, t->text, t->mx,
		    t->cmd, &c);
		if (strcmp(bounce_reason_name(c.reason), t->reason) != 0)
			fail_msg("cmd case %zu \"%s\": got %s (rule %s)", i,
			    t->text, bounce_reason_name(c.reason), c.rule);
	}
}

/* bounce_command: where bounces say which command failed. */
static void
test_command_text(void **state)
{
	static const struct {
		const char	*text;
		enum bounce_cmd	 cmd;
	} rows[] = {
		{ "550 Unknown user (in reply to end of DATA\n    command)",
		    BOUNCE_CMD_DATA },
		{ "said: 550 5.1.1 unknown (in reply to RCPT TO command)",
		    BOUNCE_CMD_RCPT },
		{ "SMTP error from remote mail server after RCPT TO:<a@b>:\n"
		    "550 no", BOUNCE_CMD_RCPT },
		{ "SMTP error from remote mail server after end of data:",
		    BOUNCE_CMD_DATA },
		{ "SMTP error from remote mail server after MAIL FROM:<s@x> "
		    "SIZE=1:", BOUNCE_CMD_MAIL },
		{ "Connected to 192.0.2.1 but sender was rejected.",
		    BOUNCE_CMD_MAIL },
		{ ">>> MAIL From:<s@x>\n<<< 250 ok\n>>> DATA\n"
		    "<<< 550 Unknown user a@b\n", BOUNCE_CMD_DATA },
		/* PIPELINING: the DATA reply follows the RCPT failure */
		{ ">>> DATA\n<<< 550 5.1.1 <a@b>... User Unknown\n"
		    "<<< 503 5.0.0 Need RCPT (recipient)\n", BOUNCE_CMD_RCPT },
		{ "-------SMTP command\nDATA\n", BOUNCE_CMD_DATA },
		{ "550 5.1.1 user unknown", BOUNCE_CMD_UNKNOWN },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (bounce_command(rows[i].text, strlen(rows[i].text)) !=
		    rows[i].cmd)
			fail_msg("command row %zu", i);
	assert_int_equal(bounce_command(NULL, 0), BOUNCE_CMD_UNKNOWN);
	assert_string_equal(bounce_cmd_name(BOUNCE_CMD_DATA), "DATA");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_provider_host),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_command_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
