/*
 * provider_test: the provider table (MX suffixes, KumoMTA's defaults,
 * DIR/providers.conf over them), the rule table against the receivers'
 * published texts, and holds: the scope a text names, Google's pause and
 * slow start, one DKIM domain held while another flows, and the file
 * that keeps them across a restart.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/hold.h"
#include "queue/provider.h"

struct mx_case {
	const char	*host;
	const char	*provider;
};

struct text_case {
	const char	*mx;
	int		 code;
	const char	*enhanced;
	const char	*text;
	int64_t		 pause;		/* -1: no rule */
	enum rule_scope	 scope;
};

static const struct mx_case mx_cases[] = {
	{ "aspmx.l.google.com", "google" },
	{ "ALT1.ASPMX.L.GOOGLE.COM.", "google" },
	{ "gmail-smtp-in.l.google.com", "google" },
	{ "aspmx2.googlemail.com", "google" },
	{ "google.com", "google" },
	{ "notgoogle.com", "default" },
	{ "google.com.example.test", "default" },
	{ "example-com.mail.protection.outlook.com", "microsoft" },
	{ "outlook-com.olc.protection.outlook.com", "microsoft" },
	{ "mta5.am0.yahoodns.net", "yahoo" },
	{ "mx01.mail.icloud.com", "apple" },
	{ "mx1.mail.me.com", "apple" },
	{ "mx.example.org", "default" },
};

/* docs/DELIVERABILITY.md cites where each text comes from */
static const struct text_case text_cases[] = {
	{ "aspmx.l.google.com", 421, "4.7.28", "Our system has detected an "
	    "unusual rate of unsolicited mail originating from your DKIM "
	    "domain [a.test 30]", 600, RULE_SCOPE_TEXT },
	{ "aspmx.l.google.com", 421, "4.7.28", "Our system has detected an "
	    "unusual rate of unsolicited mail originating from your IP "
	    "address", 600, RULE_SCOPE_TEXT },
	{ "aspmx.l.google.com", 421, "4.7.0", "Try again later, closing "
	    "connection.", -1, 0 },
	{ "aspmx.l.google.com", 550, "5.7.1", "... blocked", -1, 0 },
	{ "x.mail.protection.outlook.com", 421, "4.7.0", "RP-001 (COL004-"
	    "MC1F12) Unfortunately, some messages from 192.0.2.1 weren't "
	    "sent.", 900, RULE_SCOPE_IP },
	{ "x.mail.protection.outlook.com", 421, "4.7.0", "RP-002 ... rate "
	    "limit on this connection", 0, RULE_SCOPE_IP },
	{ "x.mail.protection.outlook.com", 421, "4.7.0", "RP-003 ... "
	    "connection limit", 0, RULE_SCOPE_IP },
	{ "x.mail.protection.outlook.com", 451, "4.7.650", "The mail server "
	    "[192.0.2.1] has been temporarily rate limited due to IP "
	    "reputation. (S775)", 3600, RULE_SCOPE_IP },
	{ "x.mail.protection.outlook.com", 550, "5.7.1", "RP-001", -1, 0 },
	{ "mta5.am0.yahoodns.net", 421, "4.7.0", "[TSS04] Messages from "
	    "192.0.2.1 temporarily deferred due to unexpected volume or user "
	    "complaints", 7200, RULE_SCOPE_IP },
	{ "mx.example.org", 421, "4.7.28", "from your DKIM domain a.test", -1,
	    0 },
};

static char	tmpdir[64];

static void
write_file(const char *name, const char *text)
{
	char	 path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* No holds on disk: the next hold_load() starts with none. */
static void
unlink_holds(void)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/spool/holds", tmpdir);
	(void)unlink(path);
}

static int
setup(void **state)
{
	char	path[256];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/provider_test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/spool", tmpdir);
	return mkdir(path, 0700);
}

static int
teardown(void **state)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_shipped(void **state)
{
	const struct provider	*p;
	size_t			 i;

	assert_int_equal(provider_load(tmpdir), 0);
	for (i = 0; i < sizeof(mx_cases) / sizeof(mx_cases[0]); i++) {
		p = provider_get(provider_find(mx_cases[i].host));
		assert_non_null(p);
		if (strcmp(p->name, mx_cases[i].provider) != 0)
			fail_msg("%s: %s, not %s", mx_cases[i].host, p->name,
			    mx_cases[i].provider);
	}
	/* KumoMTA's shaping.toml */
	p = provider_get(provider_find("aspmx.l.google.com"));
	assert_int_equal(p->max_conn, 5);
	assert_int_equal(p->per_conn, 50);
	p = provider_get(provider_find("x.protection.outlook.com"));
	assert_int_equal(p->max_conn, 5);
	assert_int_equal(p->per_conn, 50);
	p = provider_get(provider_find("mta5.am0.yahoodns.net"));
	assert_int_equal(p->per_conn, 20);
	p = provider_get(provider_find("mx01.mail.icloud.com"));
	assert_int_equal(p->max_conn, 10);
	assert_int_equal(p->per_conn, 5);
	assert_int_equal(provider_get(PROVIDER_DEFAULT)->max_conn, 0);
}

static void
test_rules(void **state)
{
	const struct provider_rule	*r;
	const struct text_case		*c;
	size_t				 i;

	assert_int_equal(provider_load(tmpdir), 0);
	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		c = &text_cases[i];
		r = provider_rule_match(provider_find(c->mx), c->code,
		    c->enhanced, c->text);
		if (c->pause == -1) {
			if (r != NULL)
				fail_msg("case %zu: a rule matched", i);
			continue;
		}
		if (r == NULL)
			fail_msg("case %zu: no rule", i);
		assert_int_equal(r->pause, c->pause);
		assert_int_equal(r->scope, c->scope);
		assert_int_equal(r->start, 1);
	}
}

static void
test_override(void **state)
{
	const struct provider		*p;
	const struct provider_rule	*r;
	int				 g;

	write_file("providers.conf", "# operator's\n"
	    "provider google per_connection=1   # only this changes\n"
	    "provider comcast suffix=comcast.net connections=25 "
	    "per_connection=1000\n"
	    "rule google 421 4.7.28 off\n"
	    "rule google 4 4.7.0 scope=ip pause=2m start=2 step=90s\n");
	assert_int_equal(provider_load(tmpdir), 0);
	g = provider_find("aspmx.l.google.com");
	p = provider_get(g);
	assert_int_equal(p->per_conn, 1);
	assert_int_equal(p->max_conn, 5);
	p = provider_get(provider_find("mx1.comcast.net"));
	assert_string_equal(p->name, "comcast");
	assert_int_equal(p->max_conn, 25);
	/* the operator's rules first: 4.7.28 switched off */
	r = provider_rule_match(g, 421, "4.7.28", "from your IP");
	assert_non_null(r);
	assert_true(r->off);
	r = provider_rule_match(g, 450, "4.7.0", "Try again later");
	assert_non_null(r);
	assert_int_equal(r->pause, 120);
	assert_int_equal(r->start, 2);
	assert_int_equal(r->step, 90);

	write_file("providers.conf", "provider google connections=lots\n");
	assert_int_equal(provider_load(tmpdir), -1);
	write_file("providers.conf", "provider new connections=3\n");
	assert_int_equal(provider_load(tmpdir), -1);	/* no suffix */
	write_file("providers.conf", "rule nobody 421 x\n");
	assert_int_equal(provider_load(tmpdir), -1);
	write_file("providers.conf", "frobnicate\n");
	assert_int_equal(provider_load(tmpdir), -1);
	write_file("providers.conf", "");
}

static void
test_hold_dkim_slow_start(void **state)
{
	struct hold_ticket	 t1 = { .n = 0 }, t2 = { .n = 0 };
	struct hold		 h[4];
	size_t			 n;
	int			 g;
	const int64_t		 t0 = 1000000;

	assert_int_equal(provider_load(tmpdir), 0);
	assert_int_equal(hold_load(tmpdir), 0);
	g = provider_find("aspmx.l.google.com");
	hold_observe(g, 421, "4.7.28", "Our system has detected an unusual "
	    "rate of unsolicited mail originating from your DKIM domain "
	    "a.test. To protect", "127.0.0.1", "a.test", "a.test", t0);
	/* a.test waits 10 minutes; b.test on the same IP flows */
	assert_false(hold_admit(g, "a.test", "a.test", t0 + 599, NULL));
	assert_true(hold_admit(g, "b.test", "b.test", t0 + 1, NULL));
	/* other providers are not held */
	assert_true(hold_admit(provider_find("mx.example.org"), "a.test",
	    "a.test", t0 + 1, NULL));
	/* on disk for `postern queue holds` and the next start */
	assert_int_equal(hold_read(tmpdir, h, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].value, "a.test");
	assert_int_equal(h[0].kind, HOLD_DKIM);
	assert_int_equal(h[0].until, t0 + 600);
	/* then one connection ... */
	assert_true(hold_admit(g, "a.test", "a.test", t0 + 600, &t1));
	assert_true(hold_admit(g, "a.test", "a.test", t0 + 601, &t1));
	assert_false(hold_admit(g, "a.test", "a.test", t0 + 601, &t2));
	/* ... one more per clean interval (5 minutes) */
	assert_true(hold_admit(g, "a.test", "a.test", t0 + 900, &t2));
	hold_release(&t1);
	hold_release(&t2);
	/* a new 4.7.28 pauses again, even a connection holding a slot */
	assert_true(hold_admit(g, "a.test", "a.test", t0 + 901, &t1));
	hold_observe(g, 421, "4.7.28", "from your DKIM domain a.test", "",
	    "a.test", "a.test", t0 + 902);
	assert_false(hold_admit(g, "a.test", "a.test", t0 + 903, &t1));
	hold_release(&t1);
	/* at the provider's cap (5) the hold is lifted, and the file too */
	assert_true(hold_admit(g, "a.test", "a.test",
	    t0 + 902 + 600 + 4 * 300, NULL));
	assert_int_equal(hold_read(tmpdir, h, 4, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_hold_scopes(void **state)
{
	struct hold	h[8];
	size_t		n, i;
	int		g, y, seen = 0;

	assert_int_equal(provider_load(tmpdir), 0);
	g = provider_find("aspmx.l.google.com");
	y = provider_find("mta5.am0.yahoodns.net");
	/* no scope named: all three (Google: "assume that all three") */
	hold_observe(g, 421, "4.7.28", "unusual rate of mail", "192.0.2.1",
	    "d.test", "s.test", 5000);
	hold_observe(g, 421, "4.7.28", "from your SPF domain [S2.test]",
	    "192.0.2.1", "d.test", "s.test", 5000);
	hold_observe(y, 421, "4.7.0", "[TSS04] Messages from 192.0.2.1 "
	    "temporarily deferred", "192.0.2.1", "d.test", "s.test", 5000);
	assert_int_equal(hold_read(tmpdir, h, 8, &n), 0);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		if (strcmp(h[i].provider, "google") == 0 &&
		    h[i].kind == HOLD_IP)
			seen |= 1;
		if (h[i].kind == HOLD_DKIM && !strcmp(h[i].value, "d.test"))
			seen |= 2;
		if (h[i].kind == HOLD_SPF && !strcmp(h[i].value, "s.test"))
			seen |= 4;
		if (h[i].kind == HOLD_SPF && !strcmp(h[i].value, "s2.test"))
			seen |= 8;
		if (strcmp(h[i].provider, "yahoo") == 0 &&
		    h[i].kind == HOLD_IP && h[i].until == 5000 + 7200)
			seen |= 16;
	}
	assert_int_equal(seen, 31);
	/* an IP hold stops every domain of that provider */
	assert_false(hold_admit(g, "other.test", "other.test", 5001, NULL));
	assert_false(hold_admit(y, "other.test", "other.test", 5001, NULL));
}

/* A connection's ticket holds HOLD_TICKET_MAX slots; a message that
   needs one more waits for another connection, it does not go
   without its slot. */
static void
test_hold_ticket_full(void **state)
{
	struct hold_ticket	 t = { .n = 0 }, other = { .n = 0 };
	char			 d[32], text[64];
	int			 g, i;
	const int64_t		 t0 = 2000000;

	unlink_holds();
	assert_int_equal(hold_load(tmpdir), 0);
	g = provider_find("aspmx.l.google.com");
	for (i = 0; i <= HOLD_TICKET_MAX; i++) {
		snprintf(d, sizeof(d), "d%d.test", i);
		snprintf(text, sizeof(text), "from your DKIM domain %s", d);
		hold_observe(g, 421, "4.7.28", text, "", d, "s.test", t0);
	}
	/* after the pause each allows one connection */
	for (i = 0; i < HOLD_TICKET_MAX; i++) {
		snprintf(d, sizeof(d), "d%d.test", i);
		assert_true(hold_admit(g, d, "s.test", t0 + 600, &t));
	}
	assert_int_equal(t.n, HOLD_TICKET_MAX);
	snprintf(d, sizeof(d), "d%d.test", HOLD_TICKET_MAX);
	assert_false(hold_admit(g, d, "s.test", t0 + 600, &t));
	assert_int_equal(t.n, HOLD_TICKET_MAX);
	/* its slot was not taken: another connection gets it, once */
	assert_true(hold_admit(g, d, "s.test", t0 + 600, &other));
	assert_false(hold_admit(g, "d0.test", "s.test", t0 + 600, &other));
	hold_release(&t);
	hold_release(&other);
	unlink_holds();
	assert_int_equal(hold_load(tmpdir), 0);
}

static void
test_msg_dkim(void **state)
{
	const char	*sig = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/"
	    "relaxed; d=Sign.Test; s=s1;\r\n\th=from:to; bh=x; b=y\r\n";
	char		 out[256];

	hold_msg_dkim(sig, strlen(sig), "a@from.test", out, sizeof(out));
	assert_string_equal(out, "sign.test");
	hold_msg_dkim(NULL, 0, "a@From.Test", out, sizeof(out));
	assert_string_equal(out, "from.test");
	hold_msg_spf("", out, sizeof(out));
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_hold_dkim_slow_start),
		cmocka_unit_test(test_hold_scopes),
		cmocka_unit_test(test_hold_ticket_full),
		cmocka_unit_test(test_msg_dkim),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
