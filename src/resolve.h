/*
 * resolve: DNS for outbound delivery, with c-ares.  MX lookup per RFC
 * 5321 §5.1 (preference order, equal preferences shuffled, implicit MX
 * from the domain's own A/AAAA when it has no MX), null MX (RFC 7505),
 * and the addresses of each host.  One resolver per thread; a lookup
 * blocks only its caller, which drives the c-ares channel with poll().
 * Names are absolute: no search list, no /etc/hosts (lookups "b").
 *
 * Failures are classified for the caller, which bounces on the
 * permanent ones and retries the temporary ones: NXDOMAIN and "no host
 * has an address" are permanent only when every answer said so; a
 * SERVFAIL, REFUSED or timeout anywhere makes the result temporary.
 */
#ifndef POSTERN_RESOLVE_H
#define POSTERN_RESOLVE_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define RESOLVE_HOSTS_MAX	16
#define RESOLVE_ADDRS_MAX	8

enum resolve_status {
	RESOLVE_OK,		/* host[] filled, in the order to try */
	RESOLVE_NULLMX,		/* RFC 7505: the domain takes no mail */
	RESOLVE_NXDOMAIN,	/* the domain does not exist */
	RESOLVE_NOHOST,		/* no mail host with an address */
	RESOLVE_TEMPFAIL,	/* SERVFAIL, timeout, refused: retry */
};

struct resolve_host {
	char			name[254];	/* MX host, or the domain */
	uint16_t		pref;
	size_t			naddr;
	struct sockaddr_storage	addr[RESOLVE_ADDRS_MAX];	/* with port */
	socklen_t		addrlen[RESOLVE_ADDRS_MAX];
};

struct resolve_result {
	enum resolve_status	status;
	int			implicit;	/* no MX: RFC 5321 §5.1 */
	char			err[256];	/* for logs and bounces */
	size_t			nhost;
	struct resolve_host	host[RESOLVE_HOSTS_MAX];
};

struct resolver;

/*
 * server: "ADDR", "ADDR:PORT" or "[V6]:PORT" to ask that server only;
 * NULL or "" for /etc/resolv.conf.  NULL with err on failure.
 */
struct resolver *resolver_new(const char *server, unsigned timeout_ms,
	    unsigned tries, char *err, size_t errsz);
void	resolver_free(struct resolver *);
/*
 * MX of domain (or an address literal "[1.2.3.4]", "[IPv6:...]").
 * family_pref: 0 IPv6 then IPv4 addresses, 4 IPv4 only, 6 IPv6 only.
 * Returns 0 (see res->status), or -1 out of memory.
 */
int	resolver_mx(struct resolver *, const char *domain, uint16_t port,
	    int family_pref, struct resolve_result *res);
/* Addresses of one host (a relayhost) into res->host[0]; a numeric
   address is used as it is. */
int	resolver_host(struct resolver *, const char *host, uint16_t port,
	    int family_pref, struct resolve_result *res);

#endif
