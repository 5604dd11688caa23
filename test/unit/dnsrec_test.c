/*
 * dnsrec_test: the records for a domain with and without host addresses
 * and with a real 2048-bit RSA DKIM key; TXT values parsed back out of
 * the zone text (every string at most 255 octets, all but the last
 * exactly 255, their concatenation the whole value); the JSON checked by
 * a small recursive-descent validator plus its record count and fields;
 * the RFC 6186 SRV records (only when asked for, with the STARTTLS IMAP
 * port or its "not offered" form, and their own invalid inputs); and a
 * table of invalid inputs with their reasons, which must leave both
 * buffers untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag/dnsrec.h"
#include "lib/buf.h"

#define TXT_MAX_STRINGS	16

struct bad_case {
	const char	*domain;
	const char	*host;
	const char	*addr;
	const char	*selector;
	const char	*key_type;
	const char	*pubkey;
	const char	*rua;
	const char	*err;
};

struct txt {
	size_t	n;
	size_t	len[TXT_MAX_STRINGS];
	char	value[4096];
};

static void	test_with_addrs(void **);
static void	test_without_addrs(void **);
static void	test_dkim_2048(void **);
static void	test_chunk_edges(void **);
static void	test_json_wellformed(void **);
static void	test_null_outputs(void **);
static void	test_invalid(void **);
static void	test_srv(void **);
static void	test_srv_not_offered(void **);
static void	test_srv_invalid(void **);
static int	zone_txt_value(const char *, const char *, struct txt *);
static void	jv_ws(const char **);
static int	jv_value(const char **, int);
static int	jv_string(const char **);
static int	jv_number(const char **);
static int	jv_valid(const char *);
static size_t	count(const char *, const char *);

/* A 2048-bit RSA SubjectPublicKeyInfo, DER, base64 (openssl genpkey). */
static const char key2048[] =
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt4tmpVOPKqYT8dPg94wA"
    "FnpiXIkjVVnd3T5KYmog51t90j0Cz2w3HKFVQePwIn5idqaDVvXCsTPlU5sM61I+"
    "ybK7AH8IiIafSntGWyOl+nTA2411IpMJXqI9abGwOTajURnpKoypNkFOe8sQN4GZ"
    "ZkaB1MgdK7Nt1fD9Z69TwgoHhYgwYiHFWtkNyYq2gJJ8ASwBMZQphhg0golg9gKJ"
    "fhGIK4TISC7mbCLUuKQEy4kknojMJDP59fbJ5TyfHO9UCLJ89tjH7msG1OaKnbD3"
    "cvE0dJ5q+bMwgkLLV+rS11JVtKcQSTxNJhEPezZpjyTE4mtTvwwIcVDhMHHVsHoR"
    "iQIDAQAB";

static const char *const addrs[] = { "192.0.2.10", "2001:DB8:0:0::1" };

static const char label64[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com";

static const struct bad_case bad_cases[] = {
	{ "", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: missing" },
	{ NULL, "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: missing" },
	{ "localhost", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: not a fully qualified name" },
	{ "-a.com", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: label starts with '-'" },
	{ "a-.com", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: empty label or label ends with '-'" },
	{ "a..com", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: empty label or label ends with '-'" },
	{ ".", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: empty or too long" },
	{ "ex ample.com", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: only letters, digits, '-' and '.' allowed" },
	{ "ex_ample.com", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: only letters, digits, '-' and '.' allowed" },
	{ "ex\"ample.com", "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: only letters, digits, '-' and '.' allowed" },
	{ label64, "mail.example.com", NULL, NULL, NULL, NULL, NULL,
	    "domain: label longer than 63" },
	{ "example.com", "mail", NULL, NULL, NULL, NULL, NULL,
	    "host: not a fully qualified name" },
	{ "example.com", "mail.example.com.", "300.1.2.3", NULL, NULL, NULL,
	    NULL, "addrs: not an IPv4 or IPv6 address" },
	{ "example.com", "mail.example.com", "mail.example.com", NULL, NULL,
	    NULL, NULL, "addrs: not an IPv4 or IPv6 address" },
	{ "example.com", "mail.example.com", NULL, "bad_sel", NULL, "QUJD",
	    NULL, "dkim selector: not a valid name, or name too long" },
	{ "example.com", "mail.example.com", NULL, "s1", "dsa", "QUJD",
	    NULL, "dkim key type: not rsa or ed25519" },
	{ "example.com", "mail.example.com", NULL, "s1", NULL, "QUJ",
	    NULL, "dkim public key: not canonical base64 (no white space), "
	    "or too long" },
	{ "example.com", "mail.example.com", NULL, "s1", NULL, "QU JD",
	    NULL, "dkim public key: not canonical base64 (no white space), "
	    "or too long" },
	{ "example.com", "mail.example.com", NULL, "s1", NULL, "Q=JD",
	    NULL, "dkim public key: not canonical base64 (no white space), "
	    "or too long" },
	{ "example.com", "mail.example.com", NULL, "s1", NULL, "QUJD\"",
	    NULL, "dkim public key: not canonical base64 (no white space), "
	    "or too long" },
	{ "example.com", "mail.example.com", NULL, NULL, NULL, NULL,
	    "a,b@example.com", "dmarc_rua: not a plain address" },
	{ "example.com", "mail.example.com", NULL, NULL, NULL, NULL,
	    "no-at-sign", "dmarc_rua: not a plain address" },
	{ "example.com", "mail.example.com", NULL, NULL, NULL, NULL,
	    "x\"@example.com", "dmarc_rua: not a plain address" },
};

static size_t
count(const char *hay, const char *needle)
{
	size_t	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/*
 * Find "NAME.\t3600\tIN\tTXT\t" in zone and decode its strings into t.
 * The record runs to the first newline not followed by a tab.
 */
static int
zone_txt_value(const char *zone, const char *name, struct txt *t)
{
	char		 prefix[300];
	const char	*p;
	size_t		 vlen = 0;

	memset(t, 0, sizeof(*t));
	snprintf(prefix, sizeof(prefix), "\n%s.\t3600\tIN\tTXT\t", name);
	if ((p = strstr(zone, prefix)) == NULL)
		return -1;
	for (p += strlen(prefix); *p != '\0' && !(p[0] == '\n' &&
	    p[1] != '\t'); p++) {
		if (*p != '"')
			continue;
		if (t->n == TXT_MAX_STRINGS)
			return -1;
		for (p++; *p != '"'; p++) {
			if (*p == '\0' || *p == '\n')
				return -1;
			if (*p == '\\')
				p++;
			t->value[vlen++] = *p;
			t->len[t->n]++;
		}
		t->n++;
	}
	t->value[vlen] = '\0';
	return 0;
}

/* A minimal RFC 8259 validator: enough to prove the output parses. */
static void
jv_ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
		(*p)++;
}

static int
jv_string(const char **p)
{
	const char	*s = *p;

	if (*s++ != '"')
		return -1;
	for (; *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return -1;
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				if (strspn(s + 1, "0123456789abcdefABCDEF") < 4)
					return -1;
				s += 4;
			} else if (strchr("\"\\/bfnrt", *s) == NULL ||
			    *s == '\0')
				return -1;
		}
	}
	*p = s + 1;
	return 0;
}

static int
jv_number(const char **p)
{
	const char	*s = *p;

	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' &&
	    s[1] <= '9'))
		return -1;
	while (*s >= '0' && *s <= '9')
		s++;
	*p = s;
	return 0;
}

static int
jv_value(const char **p, int depth)
{
	char	close;

	if (depth > 8)
		return -1;
	jv_ws(p);
	if (**p == '"')
		return jv_string(p);
	if (**p != '[' && **p != '{')
		return jv_number(p);
	close = **p == '[' ? ']' : '}';
	(*p)++;
	jv_ws(p);
	if (**p == close) {
		(*p)++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			jv_ws(p);
			if (jv_string(p) == -1)
				return -1;
			jv_ws(p);
			if (*(*p)++ != ':')
				return -1;
		}
		if (jv_value(p, depth + 1) == -1)
			return -1;
		jv_ws(p);
		if (**p == close) {
			(*p)++;
			return 0;
		}
		if (*(*p)++ != ',')
			return -1;
	}
}

static int
jv_valid(const char *s)
{
	if (jv_value(&s, 0) == -1)
		return 0;
	jv_ws(&s);
	return *s == '\0';
}

static void
test_with_addrs(void **state)
{
	struct dnsrec_input	in = { "Example.COM.", "MAIL.example.com",
	    addrs, 2, NULL, 0, NULL, NULL };
	struct buf		zone, json;
	const char		*z;

	buf_init(&zone, 1 << 16);
	buf_init(&json, 1 << 16);
	assert_int_equal(dnsrec_check(&in, NULL, 0), 0);
	assert_int_equal(dnsrec_for_domain(&in, &zone, &json), 0);
	z = buf_str(&zone);
	assert_non_null(strstr(z,
	    "\nexample.com.\t3600\tIN\tMX\t10 mail.example.com.\n"));
	assert_non_null(strstr(z,
	    "\nmail.example.com.\t3600\tIN\tA\t192.0.2.10\n"));
	assert_non_null(strstr(z,
	    "\nmail.example.com.\t3600\tIN\tAAAA\t2001:db8::1\n"));
	assert_non_null(strstr(z, "\nexample.com.\t3600\tIN\tTXT\t"
	    "\"v=spf1 ip4:192.0.2.10 ip6:2001:db8::1 mx ~all\"\n"));
	assert_non_null(strstr(z, "\n_dmarc.example.com.\t3600\tIN\tTXT\t"
	    "\"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com\"\n"));
	assert_non_null(strstr(z, "No DKIM key given"));
	assert_null(strstr(z, "No addresses given"));
	assert_null(strstr(z, "zone that holds"));	/* host in zone */
	assert_null(strstr(z, "SRV"));			/* not asked for */
	/* Every non-comment, non-blank line is one absolute record. */
	assert_int_equal(count(z, "\t3600\tIN\t"), 5);
	assert_int_equal(count(buf_str(&json), "\"type\""), 5);
	assert_non_null(strstr(buf_str(&json),
	    "{\"type\": \"MX\", \"name\": \"example.com\", \"value\": "
	    "\"mail.example.com\", \"ttl\": 3600, \"priority\": 10}"));
	assert_non_null(strstr(buf_str(&json),
	    "{\"type\": \"AAAA\", \"name\": \"mail.example.com\", "
	    "\"value\": \"2001:db8::1\", \"ttl\": 3600}"));
	assert_true(jv_valid(buf_str(&json)));
	buf_free(&zone);
	buf_free(&json);
}

static void
test_without_addrs(void **state)
{
	struct dnsrec_input	in = { "example.org", "mx.provider.net",
	    NULL, 0, NULL, 0, "postmaster@example.org", NULL };
	struct buf		zone, json;
	const char		*z;

	buf_init(&zone, 1 << 16);
	buf_init(&json, 1 << 16);
	assert_int_equal(dnsrec_for_domain(&in, &zone, &json), 0);
	z = buf_str(&zone);
	assert_non_null(strstr(z, "; No addresses given: add an A and/or "
	    "AAAA record for mx.provider.net."));
	assert_non_null(strstr(z, "zone that holds that name"));
	assert_null(strstr(z, "\tIN\tA\t"));
	assert_null(strstr(z, "\tIN\tAAAA\t"));
	assert_non_null(strstr(z,
	    "\nexample.org.\t3600\tIN\tTXT\t\"v=spf1 mx ~all\"\n"));
	assert_non_null(strstr(z,
	    "\"v=DMARC1; p=none; rua=mailto:postmaster@example.org\""));
	assert_int_equal(count(z, "\t3600\tIN\t"), 3);
	assert_int_equal(count(buf_str(&json), "\"type\""), 3);
	assert_true(jv_valid(buf_str(&json)));
	/* No comment line lacks its "; ". */
	assert_null(strstr(z, "\n\n\n"));
	buf_free(&zone);
	buf_free(&json);
}

static void
test_dkim_2048(void **state)
{
	struct dnsrec_dkim	dk[2] = {
		{ "s1", NULL, key2048 },
		{ "Ed.2024", "ed25519", "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7"
		    "lshQhqowtrbLDFw4rXAxZuE=" },
	};
	struct dnsrec_input	in = { "example.com", "mail.example.com",
	    addrs, 1, dk, 2, NULL, NULL };
	struct buf		zone, json, want;
	struct txt		t;
	size_t			i;

	buf_init(&zone, 1 << 16);
	buf_init(&json, 1 << 16);
	buf_init(&want, 1 << 16);
	assert_int_equal(dnsrec_for_domain(&in, &zone, &json), 0);
	assert_int_equal(zone_txt_value(buf_str(&zone),
	    "s1._domainkey.example.com", &t), 0);
	assert_int_equal(buf_appendf(&want, "v=DKIM1; k=rsa; p=%s", key2048),
	    0);
	assert_string_equal(t.value, buf_str(&want));
	assert_int_equal(want.len, 410);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.len[0], DNSREC_TXT_CHUNK);
	assert_int_equal(t.len[1], 410 - DNSREC_TXT_CHUNK);
	assert_non_null(strstr(buf_str(&zone),
	    "s1._domainkey.example.com.\t3600\tIN\tTXT\t( \"v=DKIM1; k=rsa;"));
	assert_non_null(strstr(buf_str(&zone), "\"\n\t\t\""));
	assert_non_null(strstr(buf_str(&zone), "HoRiQIDAQAB\" )\n"));
	/* Selector lower-cased; a short key stays one string. */
	assert_int_equal(zone_txt_value(buf_str(&zone),
	    "ed.2024._domainkey.example.com", &t), 0);
	assert_int_equal(t.n, 1);
	assert_non_null(strstr(t.value, "v=DKIM1; k=ed25519; p=MCow"));
	/* JSON keeps the whole value in one string. */
	assert_non_null(strstr(buf_str(&json), buf_str(&want)));
	assert_true(jv_valid(buf_str(&json)));
	assert_int_equal(count(buf_str(&json), "\"type\""), 6);
	for (i = 0; i < t.n; i++)
		assert_true(t.len[i] <= DNSREC_TXT_CHUNK);
	buf_free(&zone);
	buf_free(&json);
	buf_free(&want);
}

/* Values of 254, 258, 510, 514 octets: 1, 2, 2 and 3 strings. */
static void
test_chunk_edges(void **state)
{
	static const size_t	 vlen[] = { 254, 258, 510, 514, 1022 };
	static const size_t	 nstr[] = { 1, 2, 2, 3, 5 };
	struct dnsrec_dkim	 dk = { "sel", "rsa", NULL };
	struct dnsrec_input	 in = { "example.com", "mail.example.com",
	    NULL, 0, &dk, 1, NULL, NULL };
	struct buf		 zone;
	struct txt		 t;
	char			 key[1100];
	size_t			 i, j, klen;

	for (i = 0; i < sizeof(vlen) / sizeof(vlen[0]); i++) {
		klen = vlen[i] - strlen("v=DKIM1; k=rsa; p=");
		assert_int_equal(klen % 4, 0);
		memset(key, 'A', klen);
		key[klen] = '\0';
		dk.pubkey = key;
		buf_init(&zone, 1 << 16);
		assert_int_equal(dnsrec_for_domain(&in, &zone, NULL), 0);
		assert_int_equal(zone_txt_value(buf_str(&zone),
		    "sel._domainkey.example.com", &t), 0);
		assert_int_equal(strlen(t.value), vlen[i]);
		assert_int_equal(t.n, nstr[i]);
		for (j = 0; j + 1 < t.n; j++)
			assert_int_equal(t.len[j], DNSREC_TXT_CHUNK);
		assert_true(t.len[t.n - 1] >= 1 &&
		    t.len[t.n - 1] <= DNSREC_TXT_CHUNK);
		assert_int_equal(count(buf_str(&zone), "( \""), t.n > 1);
		buf_free(&zone);
	}
}

static void
test_json_wellformed(void **state)
{
	struct dnsrec_dkim	dk = { "s1", NULL, key2048 };
	struct dnsrec_input	in = { "example.com", "mail.example.com",
	    addrs, 2, &dk, 1, NULL, NULL };
	struct buf		json;
	const char		*j;

	assert_true(jv_valid("[{\"a\": 1, \"b\": [\"x\\\"y\"]}]"));
	assert_false(jv_valid("[{\"a\": 1,}]"));
	assert_false(jv_valid("[\"unterminated]"));
	assert_false(jv_valid("[1] x"));

	buf_init(&json, 1 << 16);
	assert_int_equal(buf_appends(&json, ""), 0);
	assert_int_equal(dnsrec_for_domain(&in, NULL, &json), 0);
	j = buf_str(&json);
	assert_true(jv_valid(j));
	assert_int_equal(j[0], '[');
	assert_int_equal(count(j, "{"), 6);
	assert_int_equal(count(j, "\"ttl\": 3600"), 6);
	assert_int_equal(count(j, "\"priority\": 10"), 1);
	assert_int_equal(count(j, "\"name\": "), 6);
	assert_int_equal(count(j, "\"value\": "), 6);
	assert_null(strstr(j, ".\""));		/* no trailing dots */
	assert_non_null(strstr(j, "\"name\": \"_dmarc.example.com\""));
	assert_non_null(strstr(j, "\"name\": \"s1._domainkey.example.com\""));
	buf_free(&json);
}

static void
test_null_outputs(void **state)
{
	struct dnsrec_input	in = { "example.com", "mail.example.com",
	    addrs, 2, NULL, 0, NULL, NULL };
	struct buf		b;

	assert_int_equal(dnsrec_for_domain(&in, NULL, NULL), 0);
	/* Too small a buffer: -1 and nothing left behind. */
	buf_init(&b, 100);
	assert_int_equal(buf_appends(&b, "keep"), 0);
	assert_int_equal(dnsrec_for_domain(&in, &b, NULL), -1);
	assert_string_equal(buf_str(&b), "keep");
	assert_int_equal(dnsrec_for_domain(&in, NULL, &b), -1);
	assert_string_equal(buf_str(&b), "keep");
	buf_free(&b);
}

static void
test_invalid(void **state)
{
	const struct bad_case	*c;
	struct dnsrec_dkim	 dk;
	struct dnsrec_input	 in;
	const char		*one[1];
	const char		*many[DNSREC_MAX_ADDRS + 1];
	struct buf		 zone, json;
	char			 err[DNSREC_ERR_MAX];
	size_t			 i;

	buf_init(&zone, 1 << 16);
	buf_init(&json, 1 << 16);
	assert_int_equal(buf_appends(&zone, "z"), 0);
	assert_int_equal(buf_appends(&json, "j"), 0);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		c = &bad_cases[i];
		memset(&in, 0, sizeof(in));
		in.domain = c->domain;
		in.host = c->host;
		if (c->addr != NULL) {
			one[0] = c->addr;
			in.addrs = one;
			in.naddrs = 1;
		}
		if (c->selector != NULL) {
			dk.selector = c->selector;
			dk.key_type = c->key_type;
			dk.pubkey = c->pubkey;
			in.dkim = &dk;
			in.ndkim = 1;
		}
		in.dmarc_rua = c->rua;
		err[0] = '\0';
		assert_int_equal(dnsrec_check(&in, err, sizeof(err)), -1);
		if (strcmp(err, c->err) != 0)
			fail_msg("case %zu: got [%s] want [%s]", i, err,
			    c->err);
		assert_int_equal(dnsrec_for_domain(&in, &zone, &json), -1);
		assert_string_equal(buf_str(&zone), "z");
		assert_string_equal(buf_str(&json), "j");
	}
	memset(&in, 0, sizeof(in));
	in.domain = "example.com";
	in.host = "mail.example.com";
	for (i = 0; i <= DNSREC_MAX_ADDRS; i++)
		many[i] = "192.0.2.1";
	in.addrs = many;
	in.naddrs = DNSREC_MAX_ADDRS + 1;
	assert_int_equal(dnsrec_check(&in, err, sizeof(err)), -1);
	assert_string_equal(err, "addrs: too many addresses");
	in.naddrs = DNSREC_MAX_ADDRS;
	assert_int_equal(dnsrec_check(&in, err, sizeof(err)), 0);
	assert_int_equal(dnsrec_check(NULL, err, sizeof(err)), -1);
	buf_free(&zone);
	buf_free(&json);
}

/* _submission, _imaps and _imap, at the MX host; zone and JSON agree. */
static void
test_srv(void **state)
{
	struct dnsrec_srv	srv = { NULL, 587, 993, 143 };
	struct dnsrec_input	in = { "Example.com", "mail.example.com",
	    addrs, 1, NULL, 0, NULL, &srv };
	struct buf		zone, json;
	const char		*z, *j;

	buf_init(&zone, 1 << 16);
	buf_init(&json, 1 << 16);
	assert_int_equal(dnsrec_check(&in, NULL, 0), 0);
	assert_int_equal(dnsrec_for_domain(&in, &zone, &json), 0);
	z = buf_str(&zone);
	j = buf_str(&json);
	assert_non_null(strstr(z, "\n_submission._tcp.example.com.\t3600\tIN"
	    "\tSRV\t0 1 587 mail.example.com.\n"));
	assert_non_null(strstr(z, "\n_imaps._tcp.example.com.\t3600\tIN\tSRV"
	    "\t0 1 993 mail.example.com.\n"));
	assert_non_null(strstr(z, "\n_imap._tcp.example.com.\t3600\tIN\tSRV"
	    "\t10 1 143 mail.example.com.\n"));
	assert_non_null(strstr(z, "; SRV (RFC 6186)"));
	assert_null(strstr(z, "not offered"));
	assert_int_equal(count(z, "\tIN\tSRV\t"), 3);
	assert_int_equal(count(z, "\t3600\tIN\t"), 7);
	assert_non_null(strstr(j, "{\"type\": \"SRV\", \"name\": "
	    "\"_submission._tcp.example.com\", \"value\": "
	    "\"mail.example.com\", \"ttl\": 3600, \"priority\": 0, "
	    "\"weight\": 1, \"port\": 587}"));
	assert_non_null(strstr(j, "\"name\": \"_imaps._tcp.example.com\", "
	    "\"value\": \"mail.example.com\", \"ttl\": 3600, "
	    "\"priority\": 0, \"weight\": 1, \"port\": 993}"));
	assert_non_null(strstr(j, "\"name\": \"_imap._tcp.example.com\", "
	    "\"value\": \"mail.example.com\", \"ttl\": 3600, "
	    "\"priority\": 10, \"weight\": 1, \"port\": 143}"));
	assert_int_equal(count(j, "\"type\""), 7);
	assert_int_equal(count(j, "\"weight\""), 3);
	assert_true(jv_valid(j));
	buf_free(&zone);
	buf_free(&json);
}

/* Another IMAP host; no STARTTLS listener: _imap._tcp says so. */
static void
test_srv_not_offered(void **state)
{
	struct dnsrec_srv	srv = { "IMAP.example.net.", 2587, 2993, 0 };
	struct dnsrec_input	in = { "example.com", "mail.example.com",
	    NULL, 0, NULL, 0, NULL, &srv };
	struct buf		zone, json;
	const char		*z, *j;

	buf_init(&zone, 1 << 16);
	buf_init(&json, 1 << 16);
	assert_int_equal(dnsrec_for_domain(&in, &zone, &json), 0);
	z = buf_str(&zone);
	j = buf_str(&json);
	assert_non_null(strstr(z, "\n_submission._tcp.example.com.\t3600\tIN"
	    "\tSRV\t0 1 2587 mail.example.com.\n"));
	assert_non_null(strstr(z, "\n_imaps._tcp.example.com.\t3600\tIN\tSRV"
	    "\t0 1 2993 imap.example.net.\n"));
	assert_non_null(strstr(z, "\n_imap._tcp.example.com.\t3600\tIN\tSRV"
	    "\t0 0 0 .\n"));
	assert_non_null(strstr(z, "not offered: target \".\" (RFC 2782)"));
	assert_non_null(strstr(j, "\"name\": \"_imap._tcp.example.com\", "
	    "\"value\": \".\", \"ttl\": 3600, \"priority\": 0, "
	    "\"weight\": 0, \"port\": 0}"));
	assert_true(jv_valid(j));
	assert_null(strstr(z, "\n\n\n"));
	buf_free(&zone);
	buf_free(&json);
}

static void
test_srv_invalid(void **state)
{
	static const struct {
		struct dnsrec_srv	 srv;
		const char		*domain;
		const char		*err;
	} cases[] = {
		{ { NULL, 0, 993, 143 }, "example.com",
		    "srv: port out of range" },
		{ { NULL, 587, 0, 143 }, "example.com",
		    "srv: port out of range" },
		{ { NULL, 587, 65536, 143 }, "example.com",
		    "srv: port out of range" },
		{ { NULL, 587, 993, 65536 }, "example.com",
		    "srv: port out of range" },
		{ { "imap", 587, 993, 143 }, "example.com",
		    "imap host: not a fully qualified name" },
		{ { "im_ap.example.com", 587, 993, 143 }, "example.com",
		    "imap host: only letters, digits, '-' and '.' allowed" },
		{ { NULL, 587, 993, 143 }, NULL,
		    "domain: too long for SRV names" },
	};
	struct dnsrec_input	 in;
	struct buf		 zone;
	char			 err[DNSREC_ERR_MAX], longdom[256];
	size_t			 i;

	/*
	 * 3 labels of 63, one of 42, ".com": 238 octets.  That leaves room
	 * for "dmarc-reports@" (14) but not for "_submission._tcp." (17).
	 */
	for (i = 0; i < 3; i++) {
		memset(longdom + i * 64, 'a', 63);
		longdom[i * 64 + 63] = '.';
	}
	memset(longdom + 192, 'b', 42);
	memcpy(longdom + 234, ".com", 5);
	assert_int_equal(strlen(longdom), 238);
	buf_init(&zone, 1 << 16);
	assert_int_equal(buf_appends(&zone, "z"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.domain = cases[i].domain ? cases[i].domain : longdom;
		in.host = "mail.example.com";
		in.srv = &cases[i].srv;
		err[0] = '\0';
		assert_int_equal(dnsrec_check(&in, err, sizeof(err)), -1);
		if (strcmp(err, cases[i].err) != 0)
			fail_msg("case %zu: got [%s] want [%s]", i, err,
			    cases[i].err);
		assert_int_equal(dnsrec_for_domain(&in, &zone, NULL), -1);
		assert_string_equal(buf_str(&zone), "z");
		/* The same domain without SRV is fine. */
		in.srv = NULL;
		if (dnsrec_check(&in, err, sizeof(err)) != 0)
			fail_msg("case %zu without SRV: %s", i, err);
	}
	/* 2 octets more, and the report address no longer fits: say so. */
	memcpy(longdom + 234, "bb.com", 7);
	memset(&in, 0, sizeof(in));
	in.domain = longdom;
	in.host = "mail.example.com";
	assert_int_equal(dnsrec_check(&in, err, sizeof(err)), -1);
	assert_string_equal(err, "domain: too long for dmarc-reports@");
	buf_free(&zone);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_with_addrs),
		cmocka_unit_test(test_without_addrs),
		cmocka_unit_test(test_dkim_2048),
		cmocka_unit_test(test_chunk_edges),
		cmocka_unit_test(test_json_wellformed),
		cmocka_unit_test(test_null_outputs),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_srv),
		cmocka_unit_test(test_srv_not_offered),
		cmocka_unit_test(test_srv_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
