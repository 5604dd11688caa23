/*
 * dnsrec: see dnsrec.h.  The input is validated and normalised first
 * (lower-case names without a trailing dot, addresses re-printed by
 * inet_ntop), then each record is built once and written to both outputs
 * by one function, so the zone text and the JSON cannot disagree.
 *
 * Policy, and why:
 *  - MX: the domain's mail goes to the host at priority 10 (RFC 5321
 *    §5.1).  A sending domain needs an MX so bounces and replies arrive,
 *    and several receivers refuse mail from domains without one.
 *  - SPF (RFC 7208): "v=spf1 ip4:... ip6:... mx ~all".  ip4/ip6 cost no
 *    DNS lookups (§4.6.4 limits a check to 10); "mx" keeps the record
 *    right if the host is renumbered.  We end in ~all (softfail), not
 *    -all: RFC 7489 §10.1 warns that receivers which run SPF before DMARC
 *    may reject on -all before DKIM is ever checked, and a freshly
 *    provisioned domain often still has a forgotten second sender.
 *    DMARC does the enforcing instead.
 *  - DMARC (RFC 7489 §6.3): "v=DMARC1; p=none; rua=mailto:..." to start.
 *    p=none asks for aggregate reports without affecting delivery (and
 *    satisfies the large mailbox providers' bulk-sender rules, which ask
 *    for a DMARC record of any policy); move to quarantine, then reject,
 *    once the reports show all legitimate mail aligned.  The report
 *    address is in the same domain, so no external-destination
 *    verification record is needed (§7.1).
 *  - DKIM (RFC 6376 §3.6.2.1): SELECTOR._domainkey.DOMAIN TXT
 *    "v=DKIM1; k=rsa; p=...".  A 2048-bit RSA key does not fit one
 *    character-string (255 octets, RFC 1035 §3.3), so the value is split
 *    into 255-octet strings, which verifiers concatenate (§3.6.2.2).
 *  - SRV (RFC 6186), only when the caller asks (IMAP is served on
 *    postern's accounts): _submission._tcp (§3.1) at the MX host,
 *    _imaps._tcp and _imap._tcp (§3.2) at the IMAP host.  Across the two
 *    IMAP labels the lower priority wins (§3.4), and RFC 8314 has clients
 *    prefer implicit TLS, so _imaps gets 0 and _imap 10.  Without a
 *    STARTTLS IMAP listener _imap._tcp says "not offered" with the target
 *    "." (RFC 2782), "SRV 0 0 0 .", so a client does not try 143 in vain.
 *
 * Output: zone lines are "NAME. TTL IN TYPE RDATA" with absolute names;
 * TXT strings escape '"' and '\' (RFC 1035 §5.1); a multi-string TXT is
 * wrapped in parentheses, one string per line.  JSON names carry no
 * trailing dot and TXT values are whole (unsplit), which is what DNS
 * provider APIs expect; MX puts the host in "value" and 10 in
 * "priority".
 *
 * Failure: -1 with both buffers rolled back; dnsrec_check() gives the
 * reason.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/dnsrec.h"
#include "lib/util.h"

#define NAME_MAX_DNS	253	/* text form, no trailing dot */
#define LABEL_MAX	63
#define ADDR_TEXT_MAX	46	/* INET6_ADDRSTRLEN */
#define VALUE_MAX	(DNSREC_KEY_MAX + 64)

struct norm {
	char	domain[NAME_MAX_DNS + 1];
	char	host[NAME_MAX_DNS + 1];
	char	addr[DNSREC_MAX_ADDRS][ADDR_TEXT_MAX];
	int	family[DNSREC_MAX_ADDRS];
	char	rua[NAME_MAX_DNS + 1];
	char	imap_host[NAME_MAX_DNS + 1];	/* SRV target for IMAP */
};

struct out {
	struct buf	*zone;
	struct buf	*json;
	size_t		 nrec;
};

struct rr {
	const char	*type;
	const char	*name;		/* no trailing dot */
	const char	*value;		/* host names without trailing dot */
	unsigned	 priority;	/* MX and SRV */
	unsigned	 weight;	/* SRV only */
	unsigned	 port;		/* SRV only */
};

/* Which RDATA shape a type has in the zone file. */
struct rr_kind {
	const char	*type;
	int		 host_rdata;	/* value is a name: add the dot */
	int		 txt;		/* quoted, chunked strings */
	int		 has_priority;
	int		 srv;		/* weight and port after priority */
};

static int	err_set(char *, size_t, const char *, const char *);
static int	check_name(const char *, char *, size_t, size_t,
		    const char *, char *, size_t);
static int	check_addrs(const struct dnsrec_input *, struct norm *,
		    char *, size_t);
static int	check_b64(const char *);
static int	check_dkim(const struct dnsrec_input *, const char *, char *,
		    size_t);
static int	check_rua(const char *, char *, size_t);
static int	check_srv(const struct dnsrec_input *, struct norm *, char *,
		    size_t);
static int	normalise(const struct dnsrec_input *, struct norm *, char *,
		    size_t);
static const struct rr_kind *kind_of(const char *);
static int	rr_zone_txt(struct buf *, const char *);
static int	rr_zone(struct buf *, const struct rr *);
static int	rr_json_str(struct buf *, const char *);
static int	rr_json(struct buf *, const struct rr *, size_t);
static int	emit(struct out *, const struct rr *);
static int	comment(struct out *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	emit_mx(struct out *, const struct norm *);
static int	emit_addrs(struct out *, const struct norm *,
		    const struct dnsrec_input *);
static int	emit_spf(struct out *, const struct norm *,
		    const struct dnsrec_input *);
static int	emit_dkim(struct out *, const struct norm *,
		    const struct dnsrec_dkim *);
static int	emit_dmarc(struct out *, const struct norm *);
static int	emit_srv_one(struct out *, const char *, const char *,
		    unsigned, unsigned, unsigned, const char *);
static int	emit_srv(struct out *, const struct norm *,
		    const struct dnsrec_srv *);
static void	rollback(struct buf *, size_t);

static const struct rr_kind rr_kinds[] = {
	{ "MX",		1, 0, 1, 0 },
	{ "A",		0, 0, 0, 0 },
	{ "AAAA",	0, 0, 0, 0 },
	{ "TXT",	0, 1, 0, 0 },
	{ "SRV",	1, 0, 1, 1 },
};

/* The longest owner-name prefix we add to the domain. */
static const char srv_longest[] = "_submission._tcp.";

/* Key types RFC 6376 §3.6.1 and RFC 8463 define. */
static const char *const dkim_key_types[] = { "rsa", "ed25519" };

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Validation. */

static int
err_set(char *err, size_t errsz, const char *what, const char *why)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s: %s", what, why);
	return -1;
}

/*
 * A host name (RFC 1123 §2.1 letters, digits, hyphens; labels of 1-63;
 * at least min_labels labels), lower-cased into out without a trailing
 * dot.
 */
static int
check_name(const char *in, char *out, size_t outsz, size_t min_labels,
    const char *what, char *err, size_t errsz)
{
	size_t	n, i, label = 0, labels = 1;
	char	c;

	if (in == NULL || (n = strlen(in)) == 0)
		return err_set(err, errsz, what, "missing");
	if (in[n - 1] == '.')
		n--;
	if (n == 0 || n > NAME_MAX_DNS || n >= outsz)
		return err_set(err, errsz, what, "empty or too long");
	for (i = 0; i < n; i++) {
		c = in[i];
		if (c == '.') {
			if (label == 0 || out[i - 1] == '-')
				return err_set(err, errsz, what,
				    "empty label or label ends with '-'");
			label = 0;
			labels++;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || (c >= 'A' && c <= 'Z')) {
			if (c == '-' && label == 0)
				return err_set(err, errsz, what,
				    "label starts with '-'");
			if (++label > LABEL_MAX)
				return err_set(err, errsz, what,
				    "label longer than 63");
			c = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		} else
			return err_set(err, errsz, what,
			    "only letters, digits, '-' and '.' allowed");
		out[i] = c;
	}
	out[n] = '\0';
	if (label == 0 || out[n - 1] == '-')
		return err_set(err, errsz, what,
		    "empty label or label ends with '-'");
	if (labels < min_labels)
		return err_set(err, errsz, what, "not a fully qualified name");
	return 0;
}

static int
check_addrs(const struct dnsrec_input *in, struct norm *nm, char *err,
    size_t errsz)
{
	unsigned char	bin[16];
	size_t		i;

	if (in->naddrs > DNSREC_MAX_ADDRS)
		return err_set(err, errsz, "addrs", "too many addresses");
	if (in->naddrs > 0 && in->addrs == NULL)
		return err_set(err, errsz, "addrs", "missing");
	for (i = 0; i < in->naddrs; i++) {
		if (in->addrs[i] == NULL)
			return err_set(err, errsz, "addrs", "missing");
		if (inet_pton(AF_INET, in->addrs[i], bin) == 1)
			nm->family[i] = AF_INET;
		else if (inet_pton(AF_INET6, in->addrs[i], bin) == 1)
			nm->family[i] = AF_INET6;
		else
			return err_set(err, errsz, "addrs",
			    "not an IPv4 or IPv6 address");
		if (inet_ntop(nm->family[i], bin, nm->addr[i],
		    sizeof(nm->addr[i])) == NULL)
			return err_set(err, errsz, "addrs", "unprintable");
	}
	return 0;
}

/* Canonical base64 (RFC 4648 §4): alphabet, '=' only as final padding. */
static int
check_b64(const char *s)
{
	size_t	n = strlen(s), body = strspn(s, b64_alphabet);

	if (n == 0 || n % 4 != 0 || n > DNSREC_KEY_MAX)
		return 0;
	if (body == n)
		return 1;
	return (n - body == 1 && s[n - 1] == '=') ||
	    (n - body == 2 && s[n - 2] == '=' && s[n - 1] == '=');
}

static int
check_dkim(const struct dnsrec_input *in, const char *domain, char *err,
    size_t errsz)
{
	const struct dnsrec_dkim	*d;
	char				 name[NAME_MAX_DNS + 2];
	size_t				 i, j;

	if (in->ndkim > DNSREC_MAX_DKIM || (in->ndkim > 0 && in->dkim == NULL))
		return err_set(err, errsz, "dkim", "too many or missing");
	for (i = 0; i < in->ndkim; i++) {
		d = &in->dkim[i];
		/*
		 * RFC 6376 §3.1: a selector is a sub-domain; the whole
		 * SELECTOR._domainkey.DOMAIN must still be a legal name.
		 */
		if (d->selector == NULL || d->selector[0] == '\0' ||
		    d->selector[strlen(d->selector) - 1] == '.' ||
		    check_name(d->selector, name, sizeof(name), 1,
		    "dkim selector", err, errsz) == -1 ||
		    strlen(name) + strlen("._domainkey.") + strlen(domain) >
		    NAME_MAX_DNS)
			return err_set(err, errsz, "dkim selector",
			    "not a valid name, or name too long");
		for (j = 0; d->key_type != NULL && j <
		    sizeof(dkim_key_types) / sizeof(dkim_key_types[0]); j++)
			if (strcmp(d->key_type, dkim_key_types[j]) == 0)
				break;
		if (d->key_type != NULL && j ==
		    sizeof(dkim_key_types) / sizeof(dkim_key_types[0]))
			return err_set(err, errsz, "dkim key type",
			    "not rsa or ed25519");
		if (d->pubkey == NULL || !check_b64(d->pubkey))
			return err_set(err, errsz, "dkim public key",
			    "not canonical base64 (no white space), or too "
			    "long");
	}
	return 0;
}

/* A plain address: the DMARC URI list gives ',' and '!' meaning. */
static int
check_rua(const char *rua, char *err, size_t errsz)
{
	const char	*at;

	if (rua == NULL)
		return 0;
	if (strlen(rua) > NAME_MAX_DNS ||
	    strspn(rua, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_+@") != strlen(rua) ||
	    (at = strchr(rua, '@')) == NULL || at == rua ||
	    strchr(at + 1, '@') != NULL || at[1] == '\0')
		return err_set(err, errsz, "dmarc_rua",
		    "not a plain address");
	return 0;
}

/* SRV targets and ports; the IMAP target defaults to the MX host. */
static int
check_srv(const struct dnsrec_input *in, struct norm *nm, char *err,
    size_t errsz)
{
	const struct dnsrec_srv	*sv = in->srv;

	if (sv == NULL)
		return 0;
	if (strlen(nm->domain) + strlen(srv_longest) > NAME_MAX_DNS)
		return err_set(err, errsz, "domain", "too long for SRV names");
	if (sv->submission_port == 0 || sv->submission_port > 65535 ||
	    sv->imaps_port == 0 || sv->imaps_port > 65535 ||
	    sv->imap_port > 65535)
		return err_set(err, errsz, "srv", "port out of range");
	if (sv->imap_host == NULL)
		return util_strlcpy(nm->imap_host, nm->host,
		    sizeof(nm->imap_host));
	return check_name(sv->imap_host, nm->imap_host, sizeof(nm->imap_host),
	    2, "imap host", err, errsz);
}

static int
normalise(const struct dnsrec_input *in, struct norm *nm, char *err,
    size_t errsz)
{
	memset(nm, 0, sizeof(*nm));
	if (in == NULL)
		return err_set(err, errsz, "input", "missing");
	if (check_name(in->domain, nm->domain, sizeof(nm->domain), 2,
	    "domain", err, errsz) == -1 ||
	    check_name(in->host, nm->host, sizeof(nm->host), 2, "host",
	    err, errsz) == -1)
		return -1;
	/* "_dmarc." must still fit. */
	if (strlen(nm->domain) + 7 > NAME_MAX_DNS)
		return err_set(err, errsz, "domain", "too long for _dmarc");
	if (check_addrs(in, nm, err, errsz) == -1 ||
	    check_dkim(in, nm->domain, err, errsz) == -1 ||
	    check_rua(in->dmarc_rua, err, errsz) == -1 ||
	    check_srv(in, nm, err, errsz) == -1)
		return -1;
	if (in->dmarc_rua != NULL)
		return util_strlcpy(nm->rua, in->dmarc_rua, sizeof(nm->rua));
	if (util_snprintf(nm->rua, sizeof(nm->rua), "dmarc-reports@%s",
	    nm->domain) == -1)
		return err_set(err, errsz, "domain",
		    "too long for dmarc-reports@");
	return 0;
}

int
dnsrec_check(const struct dnsrec_input *in, char *err, size_t errsz)
{
	struct norm	*nm;
	int		 rc;

	if ((nm = malloc(sizeof(*nm))) == NULL)
		return err_set(err, errsz, "input", "out of memory");
	rc = normalise(in, nm, err, errsz);
	free(nm);
	return rc;
}

/* Output. */

static const struct rr_kind *
kind_of(const char *type)
{
	size_t	i;

	for (i = 0; i < sizeof(rr_kinds) / sizeof(rr_kinds[0]); i++)
		if (strcmp(rr_kinds[i].type, type) == 0)
			return &rr_kinds[i];
	return NULL;
}

/*
 * TXT RDATA: the value cut into 255-octet character-strings (counted
 * before escaping: the limit is on the wire form), each quoted with '"'
 * and '\' escaped and anything unprintable as \DDD (RFC 1035 §5.1).
 */
static int
rr_zone_txt(struct buf *b, const char *v)
{
	size_t	n = strlen(v), off, i, end;
	int	multi = n > DNSREC_TXT_CHUNK;

	if (multi && buf_appends(b, "( ") == -1)
		return -1;
	for (off = 0; off == 0 || off < n; off = end) {
		end = off + DNSREC_TXT_CHUNK < n ? off + DNSREC_TXT_CHUNK : n;
		if ((off > 0 && buf_appends(b, "\n\t\t") == -1) ||
		    buf_append(b, "\"", 1) == -1)
			return -1;
		for (i = off; i < end; i++) {
			unsigned char c = (unsigned char)v[i];

			if ((c == '"' || c == '\\') ?
			    buf_appendf(b, "\\%c", c) == -1 :
			    (c < 0x20 || c > 0x7e) ?
			    buf_appendf(b, "\\%03u", c) == -1 :
			    buf_append(b, &v[i], 1) == -1)
				return -1;
		}
		if (buf_append(b, "\"", 1) == -1)
			return -1;
		if (n == 0)
			break;
	}
	return multi ? buf_appends(b, " )") : 0;
}

static int
rr_zone(struct buf *b, const struct rr *r)
{
	const struct rr_kind	*k = kind_of(r->type);

	if (k == NULL || buf_appendf(b, "%s.\t%u\tIN\t%s\t", r->name,
	    DNSREC_TTL, r->type) == -1)
		return -1;
	if (k->has_priority && buf_appendf(b, "%u ", r->priority) == -1)
		return -1;
	if (k->srv && buf_appendf(b, "%u %u ", r->weight, r->port) == -1)
		return -1;
	if (k->txt) {
		if (rr_zone_txt(b, r->value) == -1)
			return -1;
	} else if (buf_appendf(b, "%s%s", r->value, k->host_rdata &&
	    strcmp(r->value, ".") != 0 ? "." : "") == -1)
		return -1;
	return buf_append(b, "\n", 1);
}

/* A JSON string (RFC 8259 §7): quote, backslash and controls escaped. */
static int
rr_json_str(struct buf *b, const char *s)
{
	if (buf_append(b, "\"", 1) == -1)
		return -1;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c == '"' || c == '\\') ?
		    buf_appendf(b, "\\%c", c) == -1 :
		    c < 0x20 ? buf_appendf(b, "\\u%04x", c) == -1 :
		    buf_append(b, s, 1) == -1)
			return -1;
	}
	return buf_append(b, "\"", 1);
}

static int
rr_json(struct buf *b, const struct rr *r, size_t idx)
{
	const struct rr_kind	*k = kind_of(r->type);

	if (k == NULL || buf_appends(b, idx == 0 ? "[\n" : ",\n") == -1 ||
	    buf_appends(b, "  {\"type\": ") == -1 ||
	    rr_json_str(b, r->type) == -1 ||
	    buf_appends(b, ", \"name\": ") == -1 ||
	    rr_json_str(b, r->name) == -1 ||
	    buf_appends(b, ", \"value\": ") == -1 ||
	    rr_json_str(b, r->value) == -1 ||
	    buf_appendf(b, ", \"ttl\": %u", DNSREC_TTL) == -1)
		return -1;
	if (k->has_priority &&
	    buf_appendf(b, ", \"priority\": %u", r->priority) == -1)
		return -1;
	if (k->srv && buf_appendf(b, ", \"weight\": %u, \"port\": %u",
	    r->weight, r->port) == -1)
		return -1;
	return buf_append(b, "}", 1);
}

static int
emit(struct out *o, const struct rr *r)
{
	if ((o->zone != NULL && rr_zone(o->zone, r) == -1) ||
	    (o->json != NULL && rr_json(o->json, r, o->nrec) == -1))
		return -1;
	o->nrec++;
	return 0;
}

/*
 * Zone-file comment lines; nothing goes to JSON.  Each '\n'-separated
 * line gets "; ", and an empty line stays blank to separate groups.
 */
static int
comment(struct out *o, const char *fmt, ...)
{
	char		 text[512];
	const char	*p, *nl;
	va_list		 ap;
	int		 n;

	if (o->zone == NULL)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	for (p = text; ; p = nl + 1) {
		nl = strchr(p, '\n');
		n = nl ? (int)(nl - p) : (int)strlen(p);
		if ((n == 0 ? buf_append(o->zone, "\n", 1) :
		    buf_appendf(o->zone, "; %.*s\n", n, p)) == -1)
			return -1;
		if (nl == NULL)
			return 0;
	}
}

static int
emit_mx(struct out *o, const struct norm *nm)
{
	struct rr	r = { "MX", nm->domain, nm->host, DNSREC_MX_PRIORITY,
			    0, 0 };

	if (comment(o, "MX: mail for %s is delivered to %s (RFC 5321 "
	    "5.1).", nm->domain, nm->host) == -1)
		return -1;
	return emit(o, &r);
}

static int
emit_addrs(struct out *o, const struct norm *nm,
    const struct dnsrec_input *in)
{
	struct rr	r = { NULL, NULL, NULL, 0, 0, 0 };
	size_t		i, dl = strlen(nm->domain), hl = strlen(nm->host);
	int		inzone;

	inzone = hl == dl ? strcmp(nm->host, nm->domain) == 0 :
	    hl > dl && nm->host[hl - dl - 1] == '.' &&
	    strcmp(nm->host + hl - dl, nm->domain) == 0;
	if (in->naddrs == 0)
		return comment(o, "\nNo addresses given: add an A and/or "
		    "AAAA record for %s. with the\nserver's public IPv4 "
		    "and IPv6 addresses%s.", nm->host, inzone ? "" :
		    " (in the zone that holds that name)");
	if (comment(o, "\nAddresses of %s%s.", nm->host, inzone ? "" :
	    " (publish in the zone that holds that name)") == -1)
		return -1;
	for (i = 0; i < in->naddrs; i++) {
		r.type = nm->family[i] == AF_INET ? "A" : "AAAA";
		r.name = nm->host;
		r.value = nm->addr[i];
		if (emit(o, &r) == -1)
			return -1;
	}
	return 0;
}

static int
emit_spf(struct out *o, const struct norm *nm,
    const struct dnsrec_input *in)
{
	struct buf	v;
	struct rr	r = { "TXT", nm->domain, NULL, 0, 0, 0 };
	size_t		i;
	int		rc = -1;

	buf_init(&v, VALUE_MAX);
	if (buf_appends(&v, "v=spf1") == -1)
		goto done;
	for (i = 0; i < in->naddrs; i++)
		if (buf_appendf(&v, " %s:%s", nm->family[i] == AF_INET ?
		    "ip4" : "ip6", nm->addr[i]) == -1)
			goto done;
	if (buf_appends(&v, " mx ~all") == -1)
		goto done;
	r.value = buf_str(&v);
	if (comment(o, "\nSPF (RFC 7208): only this server sends for %s."
	    "  Keep ONE SPF record:\nmerge with any existing \"v=spf1\" "
	    "TXT.  ~all (softfail), not -all, because\nreceivers that "
	    "run SPF before DMARC may reject on -all before checking DKIM\n"
	    "(RFC 7489 10.1); DMARC does the enforcing.", nm->domain) == -1)
		goto done;
	rc = emit(o, &r);
done:
	buf_free(&v);
	return rc;
}

static int
emit_dkim(struct out *o, const struct norm *nm, const struct dnsrec_dkim *d)
{
	struct buf	v, name;
	struct rr	r = { "TXT", NULL, NULL, 0, 0, 0 };
	const char	*kt = d->key_type ? d->key_type : "rsa";
	int		rc = -1;

	buf_init(&v, VALUE_MAX);
	buf_init(&name, NAME_MAX_DNS);
	if (buf_appendf(&v, "v=DKIM1; k=%s; p=%s", kt, d->pubkey) == -1 ||
	    buf_appendf(&name, "%s._domainkey.%s", d->selector,
	    nm->domain) == -1)
		goto done;
	util_lower(name.data);
	r.name = buf_str(&name);
	r.value = buf_str(&v);
	if (comment(o, "\nDKIM (RFC 6376 3.6.2): record %s.%s",
	    r.name, v.len > DNSREC_TXT_CHUNK ? "\nLonger than 255 octets, "
	    "so split into strings that verifiers join\n(RFC 6376 3.6.2.2)." :
	    "") == -1)
		goto done;
	rc = emit(o, &r);
done:
	buf_free(&v);
	buf_free(&name);
	return rc;
}

static int
emit_dmarc(struct out *o, const struct norm *nm)
{
	char		name[NAME_MAX_DNS + 1], v[VALUE_MAX];
	struct rr	r = { "TXT", name, v, 0, 0, 0 };

	if (util_snprintf(name, sizeof(name), "_dmarc.%s", nm->domain) == -1 ||
	    util_snprintf(v, sizeof(v), "v=DMARC1; p=none; rua=mailto:%s",
	    nm->rua) == -1)
		return -1;
	if (comment(o, "\nDMARC (RFC 7489): p=none only collects aggregate "
	    "reports, sent to\n%s, without affecting delivery.  Once the "
	    "reports show\nall legitimate mail passing, raise to "
	    "p=quarantine, then p=reject.", nm->rua) == -1)
		return -1;
	return emit(o, &r);
}

/* One SRV record, _SERVICE._tcp.DOMAIN, target "." when not offered. */
static int
emit_srv_one(struct out *o, const char *service, const char *domain,
    unsigned prio, unsigned weight, unsigned port, const char *target)
{
	char		name[NAME_MAX_DNS + 1];
	struct rr	r = { "SRV", name, target, prio, weight, port };

	if (util_snprintf(name, sizeof(name), "_%s._tcp.%s", service,
	    domain) == -1)
		return -1;
	return emit(o, &r);
}

static int
emit_srv(struct out *o, const struct norm *nm, const struct dnsrec_srv *sv)
{
	if (comment(o, "\nSRV (RFC 6186): where mail clients find the "
	    "services for @%s.\nSubmission with STARTTLS (3.1); %s",
	    nm->domain, sv->imap_port != 0 ? "IMAP with implicit TLS and "
	    "with STARTTLS (3.2),\nimplicit TLS first by its lower priority "
	    "(3.4; RFC 8314)." : "IMAP with implicit TLS (3.2).\nIMAP with "
	    "STARTTLS is not offered: target \".\" (RFC 2782).") == -1)
		return -1;
	if (emit_srv_one(o, "submission", nm->domain, 0, DNSREC_SRV_WEIGHT,
	    sv->submission_port, nm->host) == -1 ||
	    emit_srv_one(o, "imaps", nm->domain, 0, DNSREC_SRV_WEIGHT,
	    sv->imaps_port, nm->imap_host) == -1)
		return -1;
	if (sv->imap_port == 0)
		return emit_srv_one(o, "imap", nm->domain, 0, 0, 0, ".");
	return emit_srv_one(o, "imap", nm->domain, DNSREC_SRV_IMAP_PRIO,
	    DNSREC_SRV_WEIGHT, sv->imap_port, nm->imap_host);
}

static void
rollback(struct buf *b, size_t len)
{
	if (b != NULL && b->data != NULL && len <= b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

int
dnsrec_for_domain(const struct dnsrec_input *in, struct buf *zone,
    struct buf *json)
{
	struct norm	*nm;
	struct out	 o = { zone, json, 0 };
	size_t		 zlen = zone ? zone->len : 0;
	size_t		 jlen = json ? json->len : 0;
	size_t		 i;
	int		 rc = -1;

	if ((nm = malloc(sizeof(*nm))) == NULL)
		return -1;
	if (normalise(in, nm, NULL, 0) == -1)
		goto done;
	if (comment(&o, "DNS records for %s, generated by postern.\nNames "
	    "are absolute; TTL %u s.\n", nm->domain, DNSREC_TTL) == -1 ||
	    emit_mx(&o, nm) == -1 || emit_addrs(&o, nm, in) == -1 ||
	    emit_spf(&o, nm, in) == -1)
		goto done;
	for (i = 0; i < in->ndkim; i++)
		if (emit_dkim(&o, nm, &in->dkim[i]) == -1)
			goto done;
	if (in->ndkim == 0 && comment(&o, "\nNo DKIM key given: publish "
	    "SELECTOR._domainkey.%s once a key exists.", nm->domain) == -1)
		goto done;
	if (emit_dmarc(&o, nm) == -1 ||
	    (in->srv != NULL && emit_srv(&o, nm, in->srv) == -1) ||
	    (json != NULL && buf_appends(json, "\n]\n") == -1))
		goto done;
	rc = 0;
done:
	if (rc == -1) {
		rollback(zone, zlen);
		rollback(json, jlen);
	}
	free(nm);
	return rc;
}
