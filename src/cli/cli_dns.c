/*
 * cli_dns: `postern dns`, the records to publish for a domain: MX, the
 * host's addresses, SPF, DKIM and DMARC, and with IMAP on the RFC 6186
 * SRV records, with the ports a provisioning CSV gives
 * (provision_endpoints()).  It also lists the DKIM records of the
 * domain's active and pending keys (retired ones are the operator's to
 * unpublish after a few days).  Moved from cli_provision.c unchanged,
 * to keep that file about provisioning and under 1,000 lines.
 *
 * Failure: a usage error exits 2, a missing domain or bad input 1, after
 * saying why on stderr; nothing is written.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/smtp_parse.h"
#include "diag/dnsexpect.h"
#include "diag/dnsrec.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "store/store.h"

/* The options of dns: --addr adds to the listeners' addresses. */
struct dns_opts {
	char		 addrs[DNSREC_MAX_ADDRS][64];
	size_t		 n;
	const char	*host;		/* --host */
	int		 json;
};

static int	 dns_usage(void);
static int	 dns_opts(int, char **, struct dns_opts *);
static int	 dns_addr(struct dns_opts *, const char *);
static int	 dns_load(const char *, const char *, struct store_domain *,
		    struct dnsexpect_keys *);
static int	 dns_print(const struct dnsrec_input *, int);

/*
 * The host the MX and SPF records name: --host, else the domain's
 * submission_host, else the server's hostname.  A demo or a fresh
 * install often has a one-label hostname (localhost) that cannot appear
 * in public DNS: then the records use mail.DOMAIN and say which setting
 * gives the real name.  NULL (after saying why) for a bad --host.
 */
static const char *
dns_host(const char *datadir, const struct config *cfg,
    const struct store_domain *dom, const char *opt, char *out, size_t outsz)
{
	const char	*h;
	int		 fallback;

	if (opt != NULL) {
		if (!smtp_valid_domain(opt) || strchr(opt, '.') == NULL) {
			fprintf(stderr, "postern: dns: --host %s: not a fully "
			    "qualified host name (e.g. mail.%s)\n", opt,
			    dom->name);
			return NULL;
		}
		return opt;
	}
	h = dom->submission_host[0] ? dom->submission_host : cfg->hostname;
	if (dnsexpect_host(cfg, dom, out, outsz, &fallback) != out ||
	    !fallback)
		return h;
	fprintf(stderr, "postern: dns: note: the server's host name '%s' "
	    "(%s) is not a public name, so these records use %s.\n"
	    "  Give the real name with one of:\n"
	    "    postern -d %s dns %s --host mail.%s\n"
	    "    postern -d %s domain set %s submission_host mail.%s\n"
	    "    hostname = mail.%s   (in %s/postern.conf, for every "
	    "domain)\n", h, dom->submission_host[0] ?
	    "the domain's submission_host" : "hostname in postern.conf", out,
	    datadir, dom->name, dom->name, datadir, dom->name, dom->name,
	    dom->name, datadir);
	return out;
}

/*
 * cli_dns() in steps: dns_opts() reads the options after the domain,
 * dns_load() the domain and its DKIM keys, dns_print() checks the
 * records' input and prints them.
 */
int
cli_dns(const char *datadir, int argc, char **argv)
{
	struct dns_opts		 o;
	struct config		 cfg;
	struct store_domain	 dom;
	struct dnsrec_input	 in;
	struct dnsrec_srv	 srv;
	struct dnsexpect_keys	 keys;
	char			 host[256];
	const char		*ap[DNSREC_MAX_ADDRS], *h;
	size_t			 i;
	int			 rc;

	if (argc < 1 || argv[0][0] == '-') {
		fprintf(stderr, "postern: dns: %s\n", argc < 1 ?
		    "which domain? give it first" : "the domain comes first, "
		    "before the options");
		return dns_usage();
	}
	if (cli_load_config(datadir, &cfg) == -1)
		return 1;
	memset(&o, 0, sizeof(o));
	o.n = dnsexpect_addrs(&cfg, o.addrs, DNSREC_MAX_ADDRS);
	if ((rc = dns_opts(argc, argv, &o)) != 0)
		return rc;
	if (dns_load(datadir, argv[0], &dom, &keys) == -1)
		return 1;
	for (i = 0; i < o.n; i++)
		ap[i] = o.addrs[i];
	if ((h = dns_host(datadir, &cfg, &dom, o.host, host,
	    sizeof(host))) == NULL)
		return 2;
	dnsexpect_input(&cfg, &dom, h, ap, o.n, &keys, &srv, &in);
	return dns_print(&in, o.json);
}

static int
dns_usage(void)
{
	fprintf(stderr, "usage: postern -d DIR dns DOMAIN [--json] "
	    "[--host HOST] [--addr IP]...\n");
	return 2;
}

/* The options after the domain: 0, or 2 after saying why. */
static int
dns_opts(int argc, char **argv, struct dns_opts *o)
{
	int	a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0)
			o->json = 1;
		else if ((strcmp(argv[a], "--addr") == 0 ||
		    strcmp(argv[a], "--host") == 0) && a + 1 >= argc) {
			fprintf(stderr, "postern: dns: %s needs a value\n",
			    argv[a]);
			return dns_usage();
		} else if (strcmp(argv[a], "--host") == 0)
			o->host = argv[++a];
		else if (strcmp(argv[a], "--addr") == 0) {
			if (dns_addr(o, argv[++a]) != 0)
				return 2;
		} else {
			fprintf(stderr, "postern: dns: unknown option '%s'\n",
			    argv[a]);
			return dns_usage();
		}
	}
	return 0;
}

/* One --addr: 0, or 2 after saying why. */
static int
dns_addr(struct dns_opts *o, const char *addr)
{
	unsigned char	bin[16];

	if (inet_pton(AF_INET, addr, bin) != 1 &&
	    inet_pton(AF_INET6, addr, bin) != 1) {
		fprintf(stderr, "postern: dns: --addr %s: not an IPv4 or IPv6 "
		    "address\n", addr);
		return dns_usage();
	}
	if (o->n == DNSREC_MAX_ADDRS) {
		fprintf(stderr, "postern: dns: at most %d addresses\n",
		    DNSREC_MAX_ADDRS);
		return 2;
	}
	util_strlcpy(o->addrs[o->n++], addr, sizeof(o->addrs[0]));
	return 0;
}

/* The domain and its active and pending DKIM keys.  0, or -1 after
   saying why. */
static int
dns_load(const char *datadir, const char *name, struct store_domain *dom,
    struct dnsexpect_keys *keys)
{
	struct store	*st;
	int		 rc;

	if ((st = cli_store(datadir, 0)) == NULL)
		return -1;
	memset(keys, 0, sizeof(*keys));
	rc = store_domain_get(st, name, dom);
	if (rc == STORE_OK && dnsexpect_keys(st, dom->name, keys) !=
	    STORE_OK) {
		fprintf(stderr, "postern: dns: %s: DKIM keys: %s\n", dom->name,
		    store_errmsg(st));
		store_close(st);
		return -1;
	}
	store_close(st);
	if (keys->skipped > 0)
		fprintf(stderr, "postern: dns: %s: %zu DKIM key(s) not shown "
		    "(at most %d); remove old pending keys\n", dom->name,
		    keys->skipped, DNSREC_MAX_DKIM);
	if (rc != STORE_OK) {
		fprintf(stderr, "postern: dns: domain %s is not configured\n",
		    name);
		return -1;
	}
	return 0;
}

/* Check the input and print the zone lines or the JSON: 0 or 1. */
static int
dns_print(const struct dnsrec_input *in, int want_json)
{
	struct buf	zone, json;
	char		err[DNSREC_ERR_MAX];
	int		rc;

	if (dnsrec_check(in, err, sizeof(err)) == -1) {
		fprintf(stderr, "postern: dns: %s: %s\n", in->domain, err);
		return 1;
	}
	buf_init(&zone, 1024 * 1024);
	buf_init(&json, 1024 * 1024);
	rc = dnsrec_for_domain(in, &zone, &json);
	if (rc == 0)
		printf("%s%s", want_json ? buf_str(&json) : buf_str(&zone),
		    want_json ? "\n" : "");
	else
		fprintf(stderr, "postern: dns: %s: cannot format records\n",
		    in->domain);
	buf_free(&zone);
	buf_free(&json);
	return rc == 0 ? 0 : 1;
}
