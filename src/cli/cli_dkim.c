/*
 * cli_dkim: `postern dkim ...`, the DKIM keys of each domain, and
 * cli_dkim_create(), which `domain add` shares so a new domain gets its
 * key the same way.
 *
 * A new key is active at once only if its domain has no active key of
 * that algorithm; otherwise it waits as 'pending' until the operator has
 * published its TXT record and runs `dkim activate`, which retires the
 * previous key.  Activating before the record resolves would make every
 * receiver fail the signature, hence the two steps (RFC 6376 §3.6.1
 * keys are looked up per message, so the old record must also stay
 * published while mail signed with it is still in transit).
 *
 * Private keys go into the database only; no command prints them.
 * Errors name the domain or selector and exit 1; a usage error first
 * says what was wrong, then shows the usage, and exits 2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "core/smtp_parse.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"
#include "queue/dkim.h"
#include "store/store.h"

#define KEYFILE_MAX	(64 * 1024)
#define MESSAGE_MAX	(512 * 1024 * 1024)
#define SELECTOR_TRIES	100

enum {
	OPT_ALG		= 1 << 0,
	OPT_SELECTOR	= 1 << 1,
	OPT_BITS	= 1 << 2,
	OPT_DOMAIN	= 1 << 3,
	OPT_KEY		= 1 << 4,
	OPT_TIME	= 1 << 5,
	OPT_JSON	= 1 << 6,
};

struct opts {
	const char	*pos[3];	/* the first 3 positional arguments */
	int		 npos;		/* all of them */
	unsigned	 seen;
	const char	*alg;
	const char	*selector;
	const char	*bits;
	const char	*domain;
	const char	*key;
	const char	*time;
};

struct ctx {
	const char	*datadir;
	struct store	*st;
	struct opts	 o;
	const char	*alg;		/* a= name from --alg */
	unsigned	 bits;
	long long	 time;		/* --time, else now */
};

struct cmd {
	const char	*name;
	int		 minpos;
	int		 maxpos;
	unsigned	 allowed;
	int		 store;		/* needs the account store */
	const char	*usage;
	int		(*fn)(struct ctx *);
};

static const struct {
	const char	*name;
	unsigned	 flag;
	size_t		 off;
} opt_table[] = {
	{ "--alg", OPT_ALG, offsetof(struct opts, alg) },
	{ "--selector", OPT_SELECTOR, offsetof(struct opts, selector) },
	{ "--bits", OPT_BITS, offsetof(struct opts, bits) },
	{ "--domain", OPT_DOMAIN, offsetof(struct opts, domain) },
	{ "--key", OPT_KEY, offsetof(struct opts, key) },
	{ "--time", OPT_TIME, offsetof(struct opts, time) },
};

static const char	*alg_name(const char *);
static const char	*alg_short(const char *);
static const char	*state_text(enum store_dkim_state);
static int	 usage(const struct cmd *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 bad_subcommand(const char *);
static int	 parse_opts(const struct cmd *, int, char **, struct opts *);
static int	 check_counts(const struct cmd *, const struct opts *);
static int	 check_opts(const struct cmd *, struct ctx *);
static int	 valid_selector(const char *);
static int	 find_key(struct store *, const char *, const char *,
		    struct store_dkim_key *);
static int	 gen_selector(struct store *, const char *, const char *,
		    char *, size_t);
static int	 has_active(struct store *, const char *, const char *);
static int	 domain_check(struct store *, const char *, char *, size_t);
static void	 print_record(const struct store_dkim_key *);
static int	 read_file(FILE *, size_t, struct buf *);
static int	 dkim_list(struct ctx *);
static int	 dkim_add(struct ctx *);
static int	 dkim_rotate(struct ctx *);
static int	 dkim_activate(struct ctx *);
static int	 dkim_remove(struct ctx *);
static int	 dkim_sign_cmd(struct ctx *);

/* "rsa", "ed25519" or the a= names, to the a= name; NULL if unknown. */
static const char *
alg_name(const char *s)
{
	if (strcmp(s, "rsa") == 0 || strcmp(s, "rsa-sha256") == 0)
		return "rsa-sha256";
	if (strcmp(s, "ed25519") == 0 || strcmp(s, "ed25519-sha256") == 0)
		return "ed25519-sha256";
	return NULL;
}

/* The k= name of an a= name, as dnsrec and the selectors use it. */
static const char *
alg_short(const char *alg)
{
	return strncmp(alg, "ed25519", 7) == 0 ? "ed25519" : "rsa";
}

static const char *
state_text(enum store_dkim_state s)
{
	return s == STORE_DKIM_ACTIVE ? "active" : s == STORE_DKIM_PENDING ?
	    "pending" : "retired";
}

/* DNS labels of letters, digits, '-' and '_', joined by dots. */
static int
valid_selector(const char *s)
{
	size_t	n = strlen(s), i, label = 0;

	if (n == 0 || n > STORE_DKIM_SELECTOR_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || i + 1 == n)
				return 0;
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
		label++;
	}
	return s[0] != '-';
}

struct find {
	const char		*selector;
	struct store_dkim_key	*out;
	int			 found;
};

static int
find_row(const struct store_dkim_key *k, void *arg)
{
	struct find	*f = arg;

	if (strcasecmp(k->selector, f->selector) != 0)
		return 0;
	if (f->out != NULL)
		*f->out = *k;
	f->found = 1;
	return 1;
}

/* STORE_OK with the key in out (may be NULL), or STORE_NOTFOUND. */
static int
find_key(struct store *st, const char *domain, const char *selector,
    struct store_dkim_key *out)
{
	struct find	f = { selector, out, 0 };
	int		rc;

	if ((rc = store_dkim_list(st, domain, find_row, &f)) != STORE_OK)
		return rc;
	return f.found ? STORE_OK : STORE_NOTFOUND;
}

/* "p" YYYYMMDD "r" (or "e"), then -2, -3, ... until unused. */
static int
gen_selector(struct store *st, const char *domain, const char *alg,
    char *out, size_t outsz)
{
	char		base[32];
	time_t		now = time(NULL);
	struct tm	tm;
	int		i, rc;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(base, sizeof(base), "p%Y%m%d", &tm) == 0)
		return -1;
	for (i = 1; i <= SELECTOR_TRIES; i++) {
		if ((i == 1 ? util_snprintf(out, outsz, "%s%c", base,
		    alg_short(alg)[0]) : util_snprintf(out, outsz, "%s%c-%d",
		    base, alg_short(alg)[0], i)) == -1)
			return -1;
		if ((rc = find_key(st, domain, out, NULL)) == STORE_NOTFOUND)
			return 0;
		if (rc != STORE_OK)
			return -1;
	}
	return -1;
}

struct active {
	const char	*alg;
	char		 selector[STORE_DKIM_SELECTOR_MAX + 1];
	int		 n;
};

static int
active_row(const struct store_dkim_key *k, void *arg)
{
	struct active	*a = arg;

	if (strcmp(k->algorithm, a->alg) == 0) {
		util_strlcpy(a->selector, k->selector, sizeof(a->selector));
		a->n++;
	}
	return 0;
}

/* 1 if the domain has an active key of alg, 0 if not, -1 on error. */
static int
has_active(struct store *st, const char *domain, const char *alg)
{
	struct active	a = { alg, "", 0 };

	if (store_dkim_active(st, domain, active_row, &a) != STORE_OK)
		return -1;
	return a.n > 0;
}

int
cli_dkim_create(struct store *st, const char *domain, const char *alg,
    unsigned rsa_bits, const char *selector, struct store_dkim_key *out)
{
	char		err[256];
	int		rc = -1, act;

	memset(out, 0, sizeof(*out));
	if ((alg = alg_name(alg)) == NULL) {
		fprintf(stderr, "postern: dkim: unknown algorithm (rsa, "
		    "ed25519)\n");
		return -1;
	}
	if (util_strlcpy(out->domain, domain, sizeof(out->domain)) == -1 ||
	    util_strlcpy(out->algorithm, alg, sizeof(out->algorithm)) == -1)
		goto done;
	util_lower(out->domain);
	if (selector != NULL)
		util_strlcpy(out->selector, selector, sizeof(out->selector));
	else if (gen_selector(st, domain, alg, out->selector,
	    sizeof(out->selector)) == -1) {
		fprintf(stderr, "postern: dkim %s: cannot choose a selector: "
		    "%s\n", domain, store_errmsg(st));
		goto done;
	}
	util_lower(out->selector);
	if ((act = has_active(st, domain, alg)) == -1) {
		fprintf(stderr, "postern: dkim %s: %s\n", domain,
		    store_errmsg(st));
		goto done;
	}
	out->state = act ? STORE_DKIM_PENDING : STORE_DKIM_ACTIVE;
	if (dkim_keygen_str(alg, rsa_bits, out->private_key,
	    sizeof(out->private_key), out->public_key,
	    sizeof(out->public_key), err, sizeof(err)) == -1) {
		fprintf(stderr, "postern: dkim %s: %s\n", domain, err);
		goto done;
	}
	switch (store_dkim_add(st, out)) {
	case STORE_OK:
		rc = 0;
		break;
	case STORE_EXISTS:
		fprintf(stderr, "postern: dkim %s: selector %s already "
		    "exists\n", domain, out->selector);
		break;
	case STORE_NOTFOUND:
		fprintf(stderr, "postern: dkim %s: domain is not configured "
		    "(postern domain add %s)\n", domain, domain);
		break;
	default:
		fprintf(stderr, "postern: dkim %s: %s\n", domain,
		    store_errmsg(st));
		break;
	}
done:
	explicit_bzero(out->private_key, sizeof(out->private_key));
	return rc;
}

/* Normalised domain into d if it is configured; else print, -1. */
static int
domain_check(struct store *st, const char *domain, char *d, size_t dsz)
{
	int	rc;

	if (util_strlcpy(d, domain, dsz) == -1 || !smtp_valid_domain(d)) {
		fprintf(stderr, "postern: dkim %s: not a valid domain name\n",
		    domain);
		return -1;
	}
	util_lower(d);
	if ((rc = store_domain_exists(st, d)) == STORE_OK)
		return 0;
	if (rc == STORE_NOTFOUND)
		fprintf(stderr, "postern: dkim %s: domain is not configured "
		    "(postern domain add %s)\n", d, d);
	else
		fprintf(stderr, "postern: dkim %s: %s\n", d, store_errmsg(st));
	return -1;
}

static void
print_record(const struct store_dkim_key *k)
{
	struct buf	txt;

	buf_init(&txt, 2 * STORE_DKIM_PEM_MAX);
	if (dkim_txt_record(k->algorithm, k->public_key, &txt) == 0)
		printf("  %s._domainkey.%s TXT \"%s\"\n", k->selector,
		    k->domain, buf_str(&txt));
	buf_free(&txt);
}

/* --- commands ------------------------------------------------------- */

struct list_ctx {
	struct json	*j;
	size_t		 n;
};

static int
list_row(const struct store_dkim_key *k, void *arg)
{
	struct list_ctx	*l = arg;
	struct buf	 txt, name;
	char		 created[40];
	int		 rc = 0;

	buf_init(&txt, 2 * STORE_DKIM_PEM_MAX);
	buf_init(&name, STORE_ADDR_MAX + STORE_DKIM_SELECTOR_MAX + 16);
	cli_time(k->created, created, sizeof(created));
	if (buf_appendf(&name, "%s._domainkey.%s", k->selector,
	    k->domain) == -1 ||
	    dkim_txt_record(k->algorithm, k->public_key, &txt) == -1)
		rc = 1;
	else if (l->j != NULL) {
		json_obj_begin(l->j);
		json_kstr(l->j, "domain", k->domain);
		json_kstr(l->j, "selector", k->selector);
		json_kstr(l->j, "algorithm", k->algorithm);
		json_kstr(l->j, "state", state_text(k->state));
		json_kint(l->j, "created", k->created);
		json_kstr(l->j, "dns_name", buf_str(&name));
		json_kstr(l->j, "record", buf_str(&txt));
		json_obj_end(l->j);
	} else {
		if (l->n == 0)
			printf("%-16s %-15s %-8s %-23s %s\n", "SELECTOR",
			    "ALGORITHM", "STATE", "CREATED", "DNS-NAME");
		printf("%-16s %-15s %-8s %-23s %s\n", k->selector,
		    k->algorithm, state_text(k->state), created,
		    buf_str(&name));
	}
	l->n++;
	buf_free(&txt);
	buf_free(&name);
	return rc;
}

static int
dkim_list(struct ctx *c)
{
	struct list_ctx	 l = { NULL, 0 };
	struct json	 j;
	struct buf	 b;
	char		 d[STORE_ADDR_MAX + 1];
	int		 rc;

	if (c->o.npos == 1 && domain_check(c->st, c->o.pos[0], d,
	    sizeof(d)) == -1)
		return 1;
	if (c->o.seen & OPT_JSON) {
		buf_init(&b, 64 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
		l.j = &j;
	}
	rc = store_dkim_list(c->st, c->o.npos ? d : NULL, list_row, &l);
	if (rc != STORE_OK) {
		fprintf(stderr, "postern: dkim list: %s\n",
		    store_errmsg(c->st));
		if (l.j != NULL)
			buf_free(&b);
		return 1;
	}
	if (l.j != NULL) {
		json_arr_end(&j);
		rc = json_finish(&j);
		if (rc == 0)
			printf("%s\n", buf_str(&b));
		buf_free(&b);
		return rc == 0 ? 0 : 1;
	}
	if (l.n == 0)
		printf("no DKIM keys%s%s\n", c->o.npos ? " for " : "",
		    c->o.npos ? d : "");
	return 0;
}

/* Generate, store, and tell the operator what to publish and run. */
static int
create_and_explain(struct ctx *c, const char *selector)
{
	struct store_dkim_key	k;
	char			d[STORE_ADDR_MAX + 1];

	if (domain_check(c->st, c->o.pos[0], d, sizeof(d)) == -1)
		return 1;
	if (selector != NULL && !valid_selector(selector)) {
		fprintf(stderr, "postern: dkim %s: selector %s is not a DNS "
		    "label (letters, digits, '-', '_', at most %d)\n", d,
		    selector, STORE_DKIM_SELECTOR_MAX);
		return 1;
	}
	if (cli_dkim_create(c->st, d, c->alg, c->bits, selector, &k) == -1)
		return 1;
	if (k.state == STORE_DKIM_ACTIVE) {
		printf("postern: dkim %s: new %s key %s is active: mail is "
		    "signed with it from now on.\nPublish this TXT record "
		    "(`postern -d %s dns %s` prints it in zone-file form):\n",
		    d, k.algorithm, k.selector, c->datadir, d);
		print_record(&k);
		return 0;
	}
	printf("postern: dkim %s: new %s key %s is pending; the current key "
	    "keeps signing.\n1. Publish this TXT record (`postern -d %s dns "
	    "%s` prints it in zone-file form):\n", d, k.algorithm,
	    k.selector, c->datadir, d);
	print_record(&k);
	printf("2. Once it resolves (dig +short TXT %s._domainkey.%s), "
	    "switch to it:\n  postern -d %s dkim activate %s %s\n",
	    k.selector, d, c->datadir, d, k.selector);
	return 0;
}

static int
dkim_add(struct ctx *c)
{
	return create_and_explain(c, c->o.selector);
}

static int
dkim_rotate(struct ctx *c)
{
	return create_and_explain(c, NULL);
}

struct retire {
	const char	*alg;
	const char	*keep;
	char		 names[256];
};

static int
retire_row(const struct store_dkim_key *k, void *arg)
{
	struct retire	*r = arg;
	size_t		 n = strlen(r->names);

	if (strcmp(k->algorithm, r->alg) == 0 &&
	    strcasecmp(k->selector, r->keep) != 0)
		(void)util_snprintf(r->names + n, sizeof(r->names) - n,
		    "%s%s", n ? " " : "", k->selector);
	return 0;
}

static int
dkim_activate(struct ctx *c)
{
	struct store_dkim_key	k;
	struct retire		r;
	char			d[STORE_ADDR_MAX + 1];
	int			rc;

	memset(&k, 0, sizeof(k));
	if (domain_check(c->st, c->o.pos[0], d, sizeof(d)) == -1)
		return 1;
	if ((rc = find_key(c->st, d, c->o.pos[1], &k)) == STORE_NOTFOUND) {
		fprintf(stderr, "postern: dkim %s: no key with selector %s "
		    "(postern -d %s dkim list %s)\n", d, c->o.pos[1],
		    c->datadir, d);
		return 1;
	}
	explicit_bzero(k.private_key, sizeof(k.private_key));
	memset(&r, 0, sizeof(r));
	r.alg = k.algorithm;
	r.keep = k.selector;
	if (rc != STORE_OK ||
	    store_dkim_active(c->st, d, retire_row, &r) != STORE_OK ||
	    store_dkim_activate(c->st, d, k.selector) != STORE_OK) {
		fprintf(stderr, "postern: dkim %s: %s\n", d,
		    store_errmsg(c->st));
		return 1;
	}
	printf("postern: dkim %s: %s (%s) is now active", d, k.selector,
	    k.algorithm);
	if (r.names[0] == '\0') {
		printf("\n");
		return 0;
	}
	printf("; retired: %s\nKeep the retired key's TXT record published "
	    "for a few days: mail signed with it\nmay still be queued or in "
	    "transit.  Then remove it:\n", r.names);
	printf("  postern -d %s dkim remove %s %s\n", c->datadir, d,
	    strchr(r.names, ' ') ? "SELECTOR" : r.names);
	return 0;
}

static int
dkim_remove(struct ctx *c)
{
	struct store_dkim_key	k;
	char			d[STORE_ADDR_MAX + 1];
	int			rc;

	memset(&k, 0, sizeof(k));
	if (domain_check(c->st, c->o.pos[0], d, sizeof(d)) == -1)
		return 1;
	if ((rc = find_key(c->st, d, c->o.pos[1], &k)) == STORE_OK)
		rc = store_dkim_remove(c->st, d, k.selector);
	explicit_bzero(k.private_key, sizeof(k.private_key));
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "postern: dkim %s: no key with selector %s\n",
		    d, c->o.pos[1]);
		return 1;
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "postern: dkim %s: %s\n", d,
		    store_errmsg(c->st));
		return 1;
	}
	printf("postern: dkim %s: key %s removed; its TXT record %s."
	    "_domainkey.%s can go too\n", d, k.selector, k.selector, d);
	if (k.state == STORE_DKIM_ACTIVE && has_active(c->st, d,
	    k.algorithm) == 0)
		fprintf(stderr, "postern: warning: %s has no active %s key "
		    "now; its mail is not signed with %s\n", d, k.algorithm,
		    k.algorithm);
	return 0;
}

/* All of f into b (bounded by max). */
static int
read_file(FILE *f, size_t max, struct buf *b)
{
	char	chunk[65536];
	size_t	n;

	buf_init(b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) == -1) {
			errno = EFBIG;
			return -1;
		}
	return ferror(f) ? -1 : 0;
}

static int
dkim_sign_cmd(struct ctx *c)
{
	struct dkim_signer	*s = NULL;
	struct buf		 key, msg, out;
	FILE			*f;
	char			 err[256];
	int			 rc = 1;

	buf_init(&msg, MESSAGE_MAX);
	buf_init(&out, 64 * 1024);
	if ((f = fopen(c->o.key, "r")) == NULL ||
	    read_file(f, KEYFILE_MAX, &key) == -1) {
		fprintf(stderr, "postern: dkim sign: %s: %s\n", c->o.key,
		    strerror(errno));
		if (f != NULL) {
			fclose(f);
			buf_free(&key);
		}
		return 1;
	}
	fclose(f);
	if ((s = dkim_signer_new(c->o.domain, c->o.selector, c->alg,
	    buf_str(&key), err, sizeof(err))) == NULL)
		fprintf(stderr, "postern: dkim sign: %s: %s\n", c->o.key, err);
	else if (read_file(stdin, MESSAGE_MAX, &msg) == -1)
		fprintf(stderr, "postern: dkim sign: reading the message: "
		    "%s\n", strerror(errno));
	else if (dkim_sign(s, msg.data ? msg.data : "", msg.len, c->time,
	    &out, err, sizeof(err)) == -1)
		fprintf(stderr, "postern: dkim sign: %s\n", err);
	else if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) == EOF)
		fprintf(stderr, "postern: dkim sign: writing: %s\n",
		    strerror(errno));
	else
		rc = 0;
	dkim_signer_free(s);
	if (key.data != NULL)
		explicit_bzero(key.data, key.cap);
	buf_free(&key);
	buf_free(&msg);
	buf_free(&out);
	return rc;
}

static const struct cmd cmds[] = {
	{ "list", 0, 1, OPT_JSON, 1, "[DOMAIN] [--json]", dkim_list },
	{ "add", 1, 1, OPT_ALG | OPT_SELECTOR | OPT_BITS, 1,
	    "DOMAIN [--alg rsa|ed25519] [--selector S] [--bits N]", dkim_add },
	{ "rotate", 1, 1, OPT_ALG | OPT_BITS, 1,
	    "DOMAIN [--alg rsa|ed25519] [--bits N]", dkim_rotate },
	{ "activate", 2, 2, 0, 1, "DOMAIN SELECTOR", dkim_activate },
	{ "remove", 2, 2, 0, 1, "DOMAIN SELECTOR", dkim_remove },
	{ "sign", 0, 0, OPT_DOMAIN | OPT_SELECTOR | OPT_ALG | OPT_KEY |
	    OPT_TIME, 0, "--domain D --selector S --alg rsa|ed25519 "
	    "--key FILE.pem [--time T] < MESSAGE", dkim_sign_cmd },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/*
 * A usage error: "postern: dkim[ SUBCOMMAND]: REASON", then the usage of
 * every subcommand; 2.
 */
static int
usage(const struct cmd *cmd, const char *fmt, ...)
{
	va_list	ap;
	size_t	i;

	fprintf(stderr, "postern: dkim%s%s: ", cmd ? " " : "",
	    cmd ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(stderr, "  postern -d DIR dkim %s %s\n", cmds[i].name,
		    cmds[i].usage);
	return 2;
}

/* No subcommand (name NULL) or an unknown one. */
static int
bad_subcommand(const char *name)
{
	char	names[128];
	size_t	i, n = 0;

	names[0] = '\0';
	for (i = 0; i < NCMDS; i++) {
		(void)util_snprintf(names + n, sizeof(names) - n, "%s%s",
		    i ? ", " : "", cmds[i].name);
		n = strlen(names);
	}
	if (name == NULL)
		return usage(NULL, "which subcommand? (%s)", names);
	return usage(NULL, "unknown subcommand '%.64s' (%s)", name, names);
}

/*
 * Options (table above) anywhere, each at most once; the positional
 * arguments are counted and the first 3 kept.  0, or a usage error.
 */
static int
parse_opts(const struct cmd *cmd, int argc, char **argv, struct opts *o)
{
	size_t	k;
	int	i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o->seen |= OPT_JSON;
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0) {
			if (o->npos < 3)
				o->pos[o->npos] = argv[i];
			o->npos++;
			continue;
		}
		for (k = 0; k < sizeof(opt_table) / sizeof(opt_table[0]); k++)
			if (strcmp(argv[i], opt_table[k].name) == 0)
				break;
		if (k == sizeof(opt_table) / sizeof(opt_table[0]))
			return usage(cmd, "unknown option '%.64s'", argv[i]);
		if (o->seen & opt_table[k].flag)
			return usage(cmd, "%s given twice", argv[i]);
		if (i + 1 == argc)
			return usage(cmd, "%s needs a value", argv[i]);
		o->seen |= opt_table[k].flag;
		*(const char **)((char *)o + opt_table[k].off) = argv[++i];
	}
	return 0;
}

/*
 * Options the subcommand does not take, then too few positional
 * arguments (named by the word of the usage where the first is missing)
 * or too many.  0, or a usage error.
 */
static int
check_counts(const struct cmd *cmd, const struct opts *o)
{
	const char	*u = cmd->usage;
	size_t		 k, n;
	int		 word;

	if ((o->seen & ~cmd->allowed) & OPT_JSON)
		return usage(cmd, "does not take --json");
	for (k = 0; k < sizeof(opt_table) / sizeof(opt_table[0]); k++)
		if ((o->seen & ~cmd->allowed) & opt_table[k].flag)
			return usage(cmd, "does not take %s",
			    opt_table[k].name);
	if (o->npos > cmd->maxpos)
		return usage(cmd, "too many arguments ('%.64s')",
		    o->pos[cmd->maxpos]);
	if (o->npos >= cmd->minpos)
		return 0;
	for (word = 0; *u != '\0'; u += n) {
		u += strspn(u, " ");
		n = strcspn(u, " ");
		if (*u != '[' && word++ == o->npos)
			return usage(cmd, "missing %.*s", (int)n, u);
	}
	return usage(cmd, "missing an argument");
}

/* Values of --alg, --bits and --time, and what sign cannot do without. */
static int
check_opts(const struct cmd *cmd, struct ctx *c)
{
	char		*end;
	unsigned long	 v;

	c->alg = alg_name(c->o.alg ? c->o.alg : "rsa");
	if (c->alg == NULL)
		return usage(cmd, "--alg '%.64s': not rsa or ed25519",
		    c->o.alg);
	if (c->o.bits != NULL) {
		v = strtoul(c->o.bits, &end, 10);
		if (end == c->o.bits || *end != '\0' || v > 65536 ||
		    c->o.bits[0] == '-')
			return usage(cmd, "--bits '%.64s': not a number",
			    c->o.bits);
		if (strcmp(c->alg, "rsa-sha256") != 0)
			return usage(cmd, "--bits applies to RSA keys only");
		c->bits = (unsigned)v;
	}
	c->time = (long long)time(NULL);
	if (c->o.time != NULL) {
		errno = 0;
		c->time = strtoll(c->o.time, &end, 10);
		if (errno || end == c->o.time || *end != '\0' || c->time < 0)
			return usage(cmd, "--time '%.64s': not unix seconds",
			    c->o.time);
	}
	if (cmd->fn != dkim_sign_cmd)
		return 0;
	if (c->o.domain == NULL)
		return usage(cmd, "missing --domain");
	if (c->o.selector == NULL)
		return usage(cmd, "missing --selector");
	if (c->o.alg == NULL)
		return usage(cmd, "missing --alg");
	if (c->o.key == NULL)
		return usage(cmd, "missing --key");
	return 0;
}

int
cli_dkim(const char *datadir, int argc, char **argv)
{
	const struct cmd	*cmd = NULL;
	struct ctx		 c;
	size_t			 i;
	int			 rc;

	memset(&c, 0, sizeof(c));
	c.datadir = datadir;
	if (argc == 0)
		return bad_subcommand(NULL);
	for (i = 0; i < NCMDS; i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			cmd = &cmds[i];
	if (cmd == NULL)
		return bad_subcommand(argv[0]);
	if ((rc = parse_opts(cmd, argc - 1, argv + 1, &c.o)) != 0 ||
	    (rc = check_counts(cmd, &c.o)) != 0 ||
	    (rc = check_opts(cmd, &c)) != 0)
		return rc;
	if (cmd->store && (c.st = cli_store(datadir, 0)) == NULL)
		return 1;
	rc = cmd->fn(&c);
	store_close(c.st);
	return rc;
}
