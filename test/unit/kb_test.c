/*
 * kb_test: the embedded knowledge base loads; every entry is complete;
 * every basic reply code and every IANA enhanced status code is present;
 * a table of malformed texts is refused with the right line and reason;
 * lookups pick the provider entry, the enhanced code (exact class, then
 * X.) and the basic code; Outlook.com's replies, parsed as a user pastes
 * them (with and without the reply code), select their own entry; every
 * reply of the server (core/replies.h) that names an entry is recognised
 * by it, and every other one has its basic code explained.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/replies.h"
#include "core/reply.h"
#include "diag/kb.h"

struct bad_kb {
	const char	*text;
	const char	*error;		/* expected substring */
};

struct lookup_case {
	int		 basic;
	const char	*enhanced;
	const char	*text;
	const char	*provider;	/* expected keys, NULL for none */
	const char	*enh;
	const char	*bas;
};

struct reply_case {
	const char	*reply;		/* as pasted */
	const char	*provider;	/* expected provider key */
	enum kb_side	 side;
};

static void	test_embedded_loads(void **);
static void	test_entries_complete(void **);
static void	test_basic_coverage(void **);
static void	test_enhanced_coverage(void **);
static void	test_parse_errors(void **);
static void	test_good_text(void **);
static void	test_lookup(void **);
static void	test_lookup_outlook(void **);
static void	test_side_names(void **);
static void	test_server_replies(void **);
static void	test_every_reply_listed(void **);
static void	sample_reply(const char *, char *, size_t);
static const struct kb_entry *find(const char *);
static int	reload(void **);

/* RFC 5321 §4.2.2/§4.2.3, RFC 4954, RFC 7504. */
static const int basic_codes[] = {
	211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450,
	451, 452, 454, 455, 500, 501, 502, 503, 504, 521, 530, 534, 535,
	538, 550, 551, 552, 553, 554, 555, 556,
};

/* Subject and highest detail of the IANA registry's enumerated codes. */
static const struct {
	int	subject;
	int	last;
} registry[] = {
	{ 0, 0 }, { 1, 10 }, { 2, 4 }, { 3, 6 }, { 4, 7 }, { 5, 6 },
	{ 6, 10 }, { 7, 30 },
};

static const struct bad_kb bad_kbs[] = {
	{ "key: 530\ntitle: t\n", "replies.kb:1: record '530': missing "
	    "'meaning'" },
	{ "key: 530\nfoo: bar\n", "replies.kb:2: unknown field 'foo'" },
	{ "title: t\n", "replies.kb:1: record must start with 'key'" },
	{ "key: 530\ntitle: t\nmeaning: m\nside: left\ncause: c\nfix: f\n"
	    "source: s\n", "replies.kb:4: bad side 'left'" },
	{ "key: 5300\n", "replies.kb:1: malformed code '5300'" },
	{ "key: 199\n", "replies.kb:1: malformed code '199'" },
	{ "key: 5.07.1\n", "replies.kb:1: malformed code '5.07.1'" },
	{ "key: 3.1.1\n", "replies.kb:1: malformed code '3.1.1'" },
	{ "key: X.1\n", "replies.kb:1: malformed code 'X.1'" },
	{ "key: Gmail\n", "replies.kb:1: malformed key 'Gmail'" },
	{ "key: 530\ntitle: t\nmeaning: m\nside: sender\ncause: c\nfix: f\n"
	    "source: s\n\nkey: 530\n", "replies.kb:9: duplicate key '530'" },
	{ "key: 530\ntitle: a\ntitle: b\n", "replies.kb:3: 'title' given "
	    "twice" },
	{ "key: 530\npattern: x\n", "replies.kb:2: 'pattern' is only for "
	    "provider records" },
	{ "key: p-1\nprovider: P\ntitle: t\nmeaning: m\nside: none\n"
	    "cause: c\nfix: f\nsource: s\n", "replies.kb:1: record 'p-1': "
	    "missing 'pattern'" },
	{ "key: p-1\nprovider: P\ncode: 55\n", "replies.kb:3: malformed "
	    "code '55'" },
	{ "key: p-1\nprovider: P\nenhanced: 5.7\n", "replies.kb:3: "
	    "malformed enhanced code '5.7'" },
	{ " continued\n", "replies.kb:1: continuation line outside a "
	    "field" },
	{ "key: 530\ntitle\n", "replies.kb:2: expected 'field: value'" },
	{ "key: 530\ntitle:   \n", "replies.kb:2: empty value for "
	    "'title'" },
	{ "key: 530\nkey: 531\n", "replies.kb:2: 'key' inside a record" },
	{ "key: 530\ntitle: a\x01\n", "replies.kb:2: control character" },
	{ "key: 530\ncause: 1\ncause: 2\ncause: 3\ncause: 4\ncause: 5\n"
	    "cause: 6\ncause: 7\ncause: 8\ncause: 9\n", "replies.kb:10: too "
	    "many 'cause' lines (max 8)" },
	{ "# only a comment\n\n", "replies.kb:3: no records" },
};

static const struct lookup_case lookups[] = {
	{ 530, NULL, NULL, NULL, NULL, "530" },
	{ 530, "5.7.0", "Authentication required", "submission-530-auth",
	    "X.7.0", "530" },
	{ 550, "5.7.26", "550-5.7.26 This mail is UNAUTHENTICATED,\n550 5.7.26"
	    " which poses", "gmail-5.7.26", "X.7.26", "550" },
	{ 550, "5.7.26", "DMARC policy", NULL, "X.7.26", "550" },
	{ 421, "4.7.0", "Our system has detected an unusual   rate of mail",
	    "gmail-4.7.0-rate", "X.7.0", "421" },
	{ 421, "4.7.28", "unusual rate", "gmail-4.7.28-rate", "X.7.28",
	    "421" },
	{ 550, NULL, "Access denied, banned sending IP [192.0.2.1]",
	    "microsoft-5.7.606", NULL, "550" },
	{ 550, "5.7.606", "Access denied, banned sending IP [192.0.2.1]",
	    "microsoft-5.7.606", NULL, "550" },
	{ 451, "4.7.500", "Server busy. Please try again later from "
	    "[192.0.2.1]", "microsoft-4.7.500", NULL, "451" },
	{ 421, "4.7.0", "[TSS04] Messages from 192.0.2.1 temporarily "
	    "deferred", "yahoo-tss04", "X.7.0", "421" },
	{ 553, "5.7.2", "[TSS09] All messages from", "yahoo-tss09-553",
	    "X.7.2", "553" },
	{ 554, "5.7.1", "[CS01] Message rejected due to local policy",
	    "icloud-cs01", "X.7.1", "554" },
	{ 554, "5.7.1", "Blocked - see https://ipcheck.proofpoint.com/?ip=1",
	    "proofpoint-ipcheck", "X.7.1", "554" },
	{ 550, "5.7.1", "Rejected by header based Anti-Spoofing policy: "
	    "https://community.mimecast.com/docs/DOC-1369#550",
	    "mimecast-antispoof", "X.7.1", "550" },
	{ 550, "5.1.1", "The email account that you tried to reach does not "
	    "exist", "gmail-5.1.1", "X.1.1", "550" },
	{ 550, "4.7.26", "unauthenticated", NULL, "X.7.26", "550" },
	{ 0, "2.1.5", NULL, NULL, "X.1.5", NULL },
	{ 599, "5.9.9", "nothing", NULL, NULL, NULL },
	{ 550, "bogus", "unauthenticated", NULL, NULL, "550" },
	/* The bracketed identifier alone selects the block list entry. */
	{ 0, NULL, "Unfortunately, messages from [192.0.2.1] weren't sent. "
	    "Please contact your Internet service provider since part of "
	    "their network is on our block list (S3140).", "outlook-s3140",
	    NULL, NULL },
	{ 550, NULL, "SC-001 (BAY004-MC4F49) Unfortunately, messages from "
	    "[192.0.2.1] weren't sent. Please contact your Internet service "
	    "provider since part of their network is on our block list.",
	    "outlook-blocklist", NULL, "550" },
	/* Another enhanced code: not the 4.7.650 entry. */
	{ 451, "4.7.500", "The mail server [192.0.2.1] has been temporarily "
	    "rate limited due to IP reputation.", NULL, NULL, "451" },
};

#define OUTLOOK_650	"The mail server [192.0.2.1] has been temporarily " \
	"rate limited due to IP reputation. For e-mail delivery " \
	"information, see https://aka.ms/postmaster (S775)"
#define OUTLOOK_651	"The mail server [2001:db8::1] has been temporarily " \
	"rate limited due to IP reputation. For e-mail delivery " \
	"information, see https://postmaster.live.com (S3114)"
#define OUTLOOK_652	"The mail server [192.0.2.1] has exceeded the " \
	"maximum number of connections. (S3115) " \
	"[BN3PEPF0000B06D.namprd21.prod.outlook.com]"
#define OUTLOOK_BL(id)	"Unfortunately, messages from [192.0.2.1] weren't " \
	"sent. Please contact your Internet service provider since part " \
	"of their network is on our block list (" id "). You can also " \
	"refer your provider to " \
	"http://mail.live.com/mail/troubleshooting.aspx#errors. " \
	"[DB3EUR04FT007.eop-eur04.prod.protection.outlook.com]"

/* Outlook.com's replies, with and without the reply code (issue 12). */
static const struct reply_case outlook_replies[] = {
	{ "451 4.7.650 " OUTLOOK_650, "outlook-4.7.650", KB_SIDE_SENDER },
	{ "4.7.650 " OUTLOOK_650, "outlook-4.7.650", KB_SIDE_SENDER },
	{ "451 4.7.651 " OUTLOOK_651, "outlook-4.7.651", KB_SIDE_SENDER },
	{ "4.7.651 " OUTLOOK_651, "outlook-4.7.651", KB_SIDE_SENDER },
	{ "451 4.7.652 " OUTLOOK_652, "outlook-4.7.652", KB_SIDE_SENDER },
	{ "4.7.652 " OUTLOOK_652, "outlook-4.7.652", KB_SIDE_SENDER },
	{ "550 5.7.1 " OUTLOOK_BL("S3140"), "outlook-s3140", KB_SIDE_SENDER },
	{ "5.7.1 " OUTLOOK_BL("S3140"), "outlook-s3140", KB_SIDE_SENDER },
	{ "550 5.7.1 " OUTLOOK_BL("S3150"), "outlook-s3150", KB_SIDE_SENDER },
	{ "5.7.1 " OUTLOOK_BL("S3150"), "outlook-s3150", KB_SIDE_SENDER },
	{ "550 5.7.1 " OUTLOOK_BL("S3160"), "outlook-blocklist",
	    KB_SIDE_SENDER },
	/* The same as a multi-line reply (RFC 5321 §4.2.1). */
	{ "451-4.7.650 The mail server [192.0.2.1] has been temporarily\n"
	    "451-4.7.650 rate limited due to IP reputation. For e-mail\n"
	    "451 4.7.650 delivery information, see https://aka.ms/postmaster "
	    "(S775)", "outlook-4.7.650", KB_SIDE_SENDER },
};

static int
reload(void **state)
{
	char	err[256] = "";

	(void)state;
	/* The embedded set, for every test but the last. */
	if (kb_load(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static const struct kb_entry *
find(const char *key)
{
	const struct kb_entry	*e;
	size_t			 i;

	for (i = 0; (e = kb_at(i)) != NULL; i++)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
test_embedded_loads(void **state)
{
	char	err[256] = "";

	assert_int_equal(kb_load(err, sizeof(err)), 0);
	assert_string_equal(err, "");
	print_message("KB entries: %zu basic, %zu enhanced, %zu provider\n",
	    kb_count(KB_BASIC), kb_count(KB_ENHANCED),
	    kb_count(KB_PROVIDER));
	assert_true(kb_count(KB_BASIC) >= 34);
	assert_true(kb_count(KB_ENHANCED) >= 81);
	assert_true(kb_count(KB_PROVIDER) >= 20);
	assert_null(kb_at(kb_count(KB_BASIC) + kb_count(KB_ENHANCED) +
	    kb_count(KB_PROVIDER)));
}

static void
test_entries_complete(void **state)
{
	const struct kb_entry	*e;
	size_t			 i, k;

	for (i = 0; (e = kb_at(i)) != NULL; i++) {
		assert_non_null(e->key);
		assert_true(e->title != NULL && e->title[0] != '\0');
		assert_true(e->meaning != NULL && strlen(e->meaning) > 20);
		assert_true(e->side < KB_SIDE_COUNT);
		assert_true(e->ncauses >= 1 && e->ncauses <= KB_LIST_MAX);
		assert_true(e->nfixes >= 1 && e->nfixes <= KB_LIST_MAX);
		assert_true(e->sources != NULL && e->sources[0] != '\0');
		for (k = 0; k < e->ncauses; k++)
			assert_true(e->causes[k][0] != '\0');
		for (k = 0; k < e->nfixes; k++)
			assert_true(e->fixes[k][0] != '\0');
		switch (e->kind) {
		case KB_BASIC:
			assert_int_equal(strlen(e->key), 3);
			assert_null(e->provider);
			break;
		case KB_ENHANCED:
			assert_true(e->key[0] == 'X' ?
			    e->key[1] == '.' : reply_valid_enhanced(e->key));
			if (e->key[0] == 'X') {
				char	tmp[16];

				snprintf(tmp, sizeof(tmp), "5%s", e->key + 1);
				assert_true(reply_valid_enhanced(tmp));
			}
			break;
		case KB_PROVIDER:
			assert_non_null(e->provider);
			assert_true(e->npatterns >= 1);
			assert_true(e->basic == 0 || (e->basic >= 200 &&
			    e->basic <= 599));
			assert_true(e->enhanced == NULL ||
			    e->enhanced[0] == 'X' ||
			    reply_valid_enhanced(e->enhanced));
			break;
		}
	}
}

static void
test_basic_coverage(void **state)
{
	char	key[8];
	size_t	i;

	for (i = 0; i < sizeof(basic_codes) / sizeof(basic_codes[0]); i++) {
		snprintf(key, sizeof(key), "%d", basic_codes[i]);
		if (find(key) == NULL)
			fail_msg("basic code %s missing", key);
	}
}

static void
test_enhanced_coverage(void **state)
{
	char	key[16];
	size_t	i, n = 0;
	int	d;

	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		for (d = 0; d <= registry[i].last; d++, n++) {
			snprintf(key, sizeof(key), "X.%d.%d",
			    registry[i].subject, d);
			if (find(key) == NULL)
				fail_msg("enhanced code %s missing", key);
		}
	assert_int_equal(n, 81);
}

static void
test_parse_errors(void **state)
{
	char	err[256];
	size_t	i, before = kb_count(KB_BASIC);

	for (i = 0; i < sizeof(bad_kbs) / sizeof(bad_kbs[0]); i++) {
		err[0] = '\0';
		if (kb_load_text(bad_kbs[i].text, strlen(bad_kbs[i].text),
		    err, sizeof(err)) != -1)
			fail_msg("case %zu accepted", i);
		if (strstr(err, bad_kbs[i].error) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
			    bad_kbs[i].error);
	}
	/* A refused text leaves the loaded set alone. */
	assert_int_equal(kb_count(KB_BASIC), before);
}

static void
test_good_text(void **state)
{
	static const char	text[] =
	    "# comment\r\n"
	    "key: 530\r\n"
	    "title: Auth\n"
	    "meaning: one\n"
	    "  two\n"
	    "side: sender\n"
	    "cause: c1\n"
	    "cause: c2\n"
	    "fix: f\n"
	    "source: RFC 4954\n"
	    "source: RFC 6409\n"
	    "\n\n"
	    "key: acme-1\n"
	    "provider: Acme\n"
	    "code: 550\n"
	    "enhanced: X.7.1\n"
	    "pattern: go away\n"
	    "title: t\n"
	    "meaning: m\n"
	    "side: recipient\n"
	    "cause: c\n"
	    "fix: f\n"
	    "source: s";
	const struct kb_entry	*e;
	struct kb_match		 m;
	char			 err[256];

	assert_int_equal(kb_load_text(text, sizeof(text) - 1, err,
	    sizeof(err)), 0);
	assert_int_equal(kb_count(KB_BASIC), 1);
	assert_int_equal(kb_count(KB_PROVIDER), 1);
	e = kb_at(0);
	assert_string_equal(e->meaning, "one two");
	assert_int_equal(e->ncauses, 2);
	assert_string_equal(e->sources, "RFC 4954; RFC 6409");
	e = kb_at(1);
	assert_int_equal(e->basic, 550);
	assert_string_equal(e->enhanced, "X.7.1");
	kb_lookup(550, "4.7.1", "Please GO\n  away", &m);
	assert_ptr_equal(m.provider, e);
	kb_lookup(551, "4.7.1", "go away", &m);
	assert_null(m.provider);
}

static void
test_lookup(void **state)
{
	const struct lookup_case	*c;
	struct kb_match			 m;
	size_t				 i;

	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		c = &lookups[i];
		kb_lookup(c->basic, c->enhanced, c->text, &m);
		if ((c->provider == NULL) != (m.provider == NULL) ||
		    (c->provider && strcmp(c->provider, m.provider->key)))
			fail_msg("case %zu: provider %s", i, m.provider ?
			    m.provider->key : "(none)");
		if ((c->enh == NULL) != (m.enhanced == NULL) ||
		    (c->enh && strcmp(c->enh, m.enhanced->key)))
			fail_msg("case %zu: enhanced %s", i, m.enhanced ?
			    m.enhanced->key : "(none)");
		if ((c->bas == NULL) != (m.basic == NULL) ||
		    (c->bas && strcmp(c->bas, m.basic->key)))
			fail_msg("case %zu: basic %s", i, m.basic ?
			    m.basic->key : "(none)");
	}
}

static void
test_lookup_outlook(void **state)
{
	const struct reply_case	*c;
	struct reply		 r;
	struct kb_match		 m;
	size_t			 i;

	for (i = 0; i < sizeof(outlook_replies) / sizeof(outlook_replies[0]);
	    i++) {
		c = &outlook_replies[i];
		if (reply_parse_text(&r, c->reply) == -1)
			fail_msg("case %zu: does not parse", i);
		kb_lookup(r.code, r.enhanced[0] ? r.enhanced : NULL, c->reply,
		    &m);
		if (m.provider == NULL || strcmp(m.provider->key,
		    c->provider) != 0)
			fail_msg("case %zu: provider %s, want %s", i,
			    m.provider ? m.provider->key : "(none)",
			    c->provider);
		assert_string_equal(m.provider->provider, "Outlook.com");
		assert_int_equal(m.provider->side, c->side);
		/* The basic code is still explained, after the provider. */
		if (r.code != 0)
			assert_non_null(m.basic);
	}
}

static void
test_side_names(void **state)
{
	assert_string_equal(kb_side_name(KB_SIDE_SENDER), "sender");
	assert_string_equal(kb_side_name(KB_SIDE_NONE), "none");
	assert_string_equal(kb_side_name(KB_SIDE_COUNT), "?");
	assert_non_null(strstr(kb_side_text(KB_SIDE_RECIPIENT), "recipient"));
}

/* A reply format with each conversion filled in: "x", " " or "1". */
static void
sample_reply(const char *fmt, char *out, size_t outsz)
{
	size_t	n = 0;

	for (; *fmt != '\0' && n + 2 < outsz; fmt++) {
		if (*fmt != '%') {
			out[n++] = *fmt;
			continue;
		}
		fmt += strspn(fmt + 1, "-+ #0123456789.hlzjt") + 1;
		if (*fmt == '%')
			out[n++] = '%';
		else
			out[n++] = *fmt == 's' ? 'x' : *fmt == 'c' ? ' ' :
			    '1';
	}
	out[n] = '\0';
}

static void
test_server_replies(void **state)
{
	const struct reply_row	*row;
	struct kb_match		 m;
	struct reply		 r;
	char			 line[REPLY_LINE_MAX];
	size_t			 i;

	assert_true(replies_count > 70);
	for (i = 0; i < replies_count; i++) {
		row = &replies[i];
		sample_reply(row->format, line, sizeof(line));
		if (reply_parse_text(&r, line) == -1 || r.code == 0)
			fail_msg("%s: not a reply: %s", row->name, line);
		if (r.enhanced[0] != '\0' && r.enhanced[0] != line[0])
			fail_msg("%s: class of %s differs from %d", row->name,
			    r.enhanced, r.code);
		kb_lookup(r.code, r.enhanced, r.text, &m);
		if (m.basic == NULL)
			fail_msg("%s: no entry for %d", row->name, r.code);
		if (row->kb == NULL)
			continue;
		if (m.provider == NULL ||
		    strcmp(m.provider->key, row->kb) != 0)
			fail_msg("%s: \"%s\" is explained by %s, not %s",
			    row->name, line, m.provider ? m.provider->key :
			    "no entry", row->kb);
	}
}

/*
 * Every RPL_ macro of replies.h is a row of replies[] (so the test above
 * sees it), but the fragments that are not whole replies.  Read from
 * the source, as `make unit` runs from the top of the tree.
 */
static void
test_every_reply_listed(void **state)
{
	static const char *const fragments[] = { "RPL_LOCKED_TEXT" };
	char	 line[512], name[128];
	size_t	 i, seen = 0;
	int	 found;
	FILE	*f;

	f = fopen("src/core/replies.h", "r");
	if (f == NULL)
		fail_msg("src/core/replies.h: run from the top of the tree");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "#define %127[A-Z0-9_]", name) != 1 ||
		    strncmp(name, "RPL_", 4) != 0)
			continue;
		seen++;
		found = 0;
		for (i = 0; i < sizeof(fragments) / sizeof(fragments[0]); i++)
			found |= strcmp(name, fragments[i]) == 0;
		for (i = 0; i < replies_count && !found; i++)
			found = strcmp(name, replies[i].name) == 0;
		if (!found)
			fail_msg("%s is not in replies[] (core/replies.c)",
			    name);
	}
	fclose(f);
	assert_int_equal(seen, replies_count +
	    sizeof(fragments) / sizeof(fragments[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_loads),
		cmocka_unit_test(test_entries_complete),
		cmocka_unit_test(test_basic_coverage),
		cmocka_unit_test(test_enhanced_coverage),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_lookup_outlook),
		cmocka_unit_test(test_side_names),
		cmocka_unit_test(test_server_replies),
		cmocka_unit_test(test_every_reply_listed),
		/* Last: replaces the loaded set with a small one. */
		cmocka_unit_test(test_good_text),
	};

	return cmocka_run_group_tests(tests, reload, NULL);
}
