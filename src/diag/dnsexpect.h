/*
 * dnsexpect: what postern expects a domain to publish, gathered from the
 * configuration and the store into a dnsrec_input (dnsrec.h): the host
 * the MX names, the listeners' public addresses, the DKIM keys in use,
 * the RFC 6186 SRV ports.  Shared by `postern dns` (cli_dns.c), which
 * prints the records, and GET /api/v1/domains/{domain}/check
 * (api_domain.c), which looks them up live and compares.
 */
#ifndef POSTERN_DNSEXPECT_H
#define POSTERN_DNSEXPECT_H

#include <stddef.h>

#include "diag/dnsrec.h"
#include "store/store.h"

struct config;

/* The public halves of a domain's active and pending DKIM keys (dnsrec
   keeps pointers into this). */
struct dnsexpect_keys {
	struct dnsrec_dkim	d[DNSREC_MAX_DKIM];
	char			selector[DNSREC_MAX_DKIM]
				    [STORE_DKIM_SELECTOR_MAX + 1];
	char			pub[DNSREC_MAX_DKIM][DNSREC_KEY_MAX + 1];
	size_t			n;
	size_t			skipped;	/* over DNSREC_MAX_DKIM */
};

/* The specific, public-looking listener addresses (those are the
   host's), at most max.  Their number. */
size_t	dnsexpect_addrs(const struct config *, char addrs[][64], size_t max);

/* The domain's keys, retired ones left out.  A store status. */
int	dnsexpect_keys(struct store *, const char *domain,
	    struct dnsexpect_keys *);

/*
 * The host the MX and SPF records name: the domain's submission_host,
 * else the server's hostname; one that cannot be in public DNS (one
 * label, localhost) gives mail.DOMAIN in out, and *fallback = 1.
 */
const char *dnsexpect_host(const struct config *, const struct store_domain *,
	    char *out, size_t outsz, int *fallback);

/*
 * in for the domain, its host, addresses and keys; with IMAP served on
 * postern's accounts, the SRV records with the ports a provisioning CSV
 * gives, in srv (which in then points to).
 */
void	dnsexpect_input(const struct config *, const struct store_domain *,
	    const char *host, const char *const *addrs, size_t naddrs,
	    const struct dnsexpect_keys *, struct dnsrec_srv *srv,
	    struct dnsrec_input *in);

#endif
