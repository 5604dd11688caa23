/*
 * resolve: DNS for outbound delivery (c-ares).  The MX hosts of a domain
 * in the order to try them (RFC 5321 §5.1), with their addresses, or the
 * addresses of one relay host; and a verdict the queue can act on:
 * deliver, bounce (null MX, NXDOMAIN, no host) or retry later.
 *
 * Each call blocks its own thread only: it drives its resolver's c-ares
 * channel with poll(2) until every query has answered or timed out.  A
 * resolver belongs to one thread.  Names are checked (length, letters,
 * digits, '-', '_') before any query, every name is absolute (no search
 * domains), and /etc/hosts is never read.  Results are bounded by
 * RESOLVE_HOSTS_MAX and RESOLVE_ADDRS_MAX.
 *
 * Failure: resolver_new() returns NULL with a reason in err; the lookups
 * return -1 only when memory runs out, poll(2) fails or family_pref is
 * not 0, 4 or 6 (EINVAL, and result->err says so); every DNS outcome,
 * timeouts included, is a status.
 */
#ifndef POSTERN_RESOLVE_H
#define POSTERN_RESOLVE_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define RESOLVE_HOSTS_MAX	16
#define RESOLVE_ADDRS_MAX	8

enum resolve_status {
	RESOLVE_OK,		/* hosts[] filled, in the order to try */
	RESOLVE_NULLMX,		/* RFC 7505: accepts no mail: bounce 5.1.10 */
	RESOLVE_NXDOMAIN,	/* the domain does not exist: bounce 5.1.2 */
	RESOLVE_NOHOST,		/* definitive answers, but no host has an
				 * address (MX hosts without one, or no MX
				 * and no A/AAAA): bounce 5.1.2 */
	RESOLVE_TEMPFAIL,	/* SERVFAIL, timeout, refused: retry later */
};

struct resolve_host {
	char			name[254];	/* MX host, or the domain itself
						 * for implicit MX */
	uint16_t		pref;
	size_t			naddr;
	struct sockaddr_storage	addr[RESOLVE_ADDRS_MAX];  /* port set */
	socklen_t		addrlen[RESOLVE_ADDRS_MAX];
};

struct resolve_result {
	enum resolve_status	status;
	int			implicit;	/* no MX: the domain's A/AAAA
						 * (RFC 5321 §5.1) */
	char			err[256];	/* for logs and bounces, e.g.
						 * "mx.example.org: SERVFAIL";
						 * may be set with RESOLVE_OK
						 * when some hosts failed */
	size_t			nhost;
	struct resolve_host	host[RESOLVE_HOSTS_MAX];
};

struct resolver;

/*
 * server: "ADDR:PORT", "[V6]:PORT", "ADDR" or "V6" (port 53) to ask that
 * server only; NULL or "" for the system configuration (resolv.conf).
 * timeout_ms is the time for one try (c-ares doubles it on later tries),
 * tries the number of tries; 0 picks the default (5000 ms, 2 tries);
 * at most 600000 ms and 10 tries.
 * One resolver per thread.  NULL with err set on failure.
 */
struct resolver	*resolver_new(const char *server, unsigned timeout_ms,
		    unsigned tries, char *err, size_t errsz);
void		 resolver_free(struct resolver *);

/*
 * The MX hosts of domain (RFC 5321 §5.1): sorted by preference, equal
 * preferences shuffled, duplicate hosts dropped (the lowest preference
 * stays), and an address already given by a more preferred host dropped.
 * A single MX "." is a null MX (RFC 7505).  No MX (NODATA): the domain's
 * own A/AAAA with implicit = 1.  family_pref: 0 for IPv6 then IPv4
 * addresses, 4 for IPv4 only, 6 for IPv6 only.  An address literal
 * "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3) is returned
 * without DNS, as one host named as given.  port goes in every sockaddr.
 * Returns 0 (result->status says what happened) or -1 (see above).
 */
int	 resolver_mx(struct resolver *, const char *domain, uint16_t port,
	    int family_pref, struct resolve_result *);

/*
 * The addresses of one host name (a relay host) in host[0]; status OK,
 * NXDOMAIN, NOHOST or TEMPFAIL.  A numeric address, IPv4 or IPv6, with
 * or without brackets (and "IPv6:"), is returned without DNS.
 */
int	 resolver_host(struct resolver *, const char *host, uint16_t port,
	    int family_pref, struct resolve_result *);

/*
 * Any records (resolve_rr.c), for the live DNS check of a domain: n
 * queries sent at once and answered together.  Each record comes back
 * as text: MX "PREF HOST", A and AAAA the address, TXT its strings
 * joined, SRV "PRIO WEIGHT PORT TARGET"; host names in lower case,
 * without the trailing dot.  Per query a status: RESOLVE_OK (no records
 * is NODATA), RESOLVE_NXDOMAIN or RESOLVE_TEMPFAIL (err says why).
 */
#define RESOLVE_RR_MAX		8	/* records kept per query */
#define RESOLVE_RR_TEXT		1024

struct resolve_rr_query {
	const char		*name;
	int			 type;	/* ns_t_mx, ns_t_a, ns_t_aaaa,
					   ns_t_txt, ns_t_srv */
	enum resolve_status	 status;
	char			 err[64];
	size_t			 n;
	char			 rr[RESOLVE_RR_MAX][RESOLVE_RR_TEXT];
	struct resolver		*r;	/* internal */
};

/* 0, or -1 when poll(2) fails (every query then says TEMPFAIL). */
int	 resolver_rr(struct resolver *, struct resolve_rr_query *, size_t n);

#endif
