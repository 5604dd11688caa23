/*
 * dnsexpect: see dnsexpect.h.  Moved from cli_dns.c unchanged, so that
 * the admin API's live check expects exactly what `postern dns` prints.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/provision_fmt.h"
#include "diag/dnsexpect.h"
#include "lib/util.h"

static unsigned	 listen_port(const struct config *, enum listen_kind);
static int	 dns_key_row(const struct store_dkim_key *, void *);

/* The port of the first listener of a kind, or 0 if there is none. */
static unsigned
listen_port(const struct config *cfg, enum listen_kind k)
{
	const struct sockaddr_storage	*ss = &cfg->listen[k][0].ss;

	if (cfg->nlisten[k] == 0)
		return 0;
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->
		    sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
}

size_t
dnsexpect_addrs(const struct config *cfg, char addrs[][64], size_t max)
{
	const struct sockaddr_in	*in;
	const struct sockaddr_in6	*in6;
	size_t				 k, i, n = 0, j;
	char				 a[64];

	for (k = 0; k < LISTEN_KIND_COUNT; k++)
		for (i = 0; i < cfg->nlisten[k] && n < max; i++) {
			const struct config_listen *l = &cfg->listen[k][i];

			if (l->ss.ss_family == AF_INET) {
				in = (const void *)&l->ss;
				if (in->sin_addr.s_addr == INADDR_ANY ||
				    (ntohl(in->sin_addr.s_addr) >> 24) == 127)
					continue;
			} else {
				in6 = (const void *)&l->ss;
				if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ||
				    IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
					continue;
			}
			util_addr_str((const struct sockaddr *)&l->ss, a,
			    sizeof(a));
			for (j = 0; j < n && strcmp(addrs[j], a) != 0; j++)
				;
			if (j == n)
				util_strlcpy(addrs[n++], a, sizeof(addrs[0]));
		}
	return n;
}


static int
dns_key_row(const struct store_dkim_key *k, void *arg)
{
	struct dnsexpect_keys	*dk = arg;

	if (k->state == STORE_DKIM_RETIRED)
		return 0;
	if (dk->n == DNSREC_MAX_DKIM ||
	    util_strlcpy(dk->selector[dk->n], k->selector,
	    sizeof(dk->selector[0])) == -1 ||
	    util_strlcpy(dk->pub[dk->n], k->public_key,
	    sizeof(dk->pub[0])) == -1) {
		dk->skipped++;
		return 0;
	}
	dk->d[dk->n].selector = dk->selector[dk->n];
	dk->d[dk->n].key_type = strncmp(k->algorithm, "ed25519", 7) == 0 ?
	    "ed25519" : "rsa";
	dk->d[dk->n].pubkey = dk->pub[dk->n];
	dk->n++;
	return 0;
}


int
dnsexpect_keys(struct store *st, const char *domain,
    struct dnsexpect_keys *keys)
{
	memset(keys, 0, sizeof(*keys));
	return store_dkim_list(st, domain, dns_key_row, keys);
}

const char *
dnsexpect_host(const struct config *cfg, const struct store_domain *dom,
    char *out, size_t outsz, int *fallback)
{
	const char	*h;

	*fallback = 0;
	h = dom->submission_host[0] ? dom->submission_host : cfg->hostname;
	if (strchr(h, '.') != NULL && strcmp(h, "localhost") != 0)
		return h;
	if (util_snprintf(out, outsz, "mail.%s", dom->name) == -1)
		return h;	/* dnsrec_check says what is wrong */
	*fallback = 1;
	return out;
}

void
dnsexpect_input(const struct config *cfg, const struct store_domain *dom,
    const char *host, const char *const *addrs, size_t naddrs,
    const struct dnsexpect_keys *keys, struct dnsrec_srv *srv,
    struct dnsrec_input *in)
{
	struct provision_endpoints	ep;

	memset(in, 0, sizeof(*in));
	in->domain = dom->name;
	in->host = host;
	in->addrs = addrs;
	in->naddrs = naddrs;
	in->dkim = keys->d;
	in->ndkim = keys->n;
	/*
	 * RFC 6186 SRV records when IMAP is served on postern's accounts,
	 * with the ports a provisioning CSV gives; _imap._tcp only with a
	 * STARTTLS listener (imap_listen).
	 */
	provision_endpoints(cfg, dom->submission_host, &ep);
	if (ep.imap_served) {
		srv->imap_host = cfg->imap_host[0] ? cfg->imap_host : NULL;
		srv->submission_port = cfg->submission_port;
		srv->imaps_port = cfg->imap_port;
		srv->imap_port = listen_port(cfg, LISTEN_IMAP);
		in->srv = srv;
	}
}
