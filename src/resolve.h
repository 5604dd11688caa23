/* Placeholder with the agreed API; replaced by the resolver branch. */
#ifndef POSTERN_RESOLVE_H
#define POSTERN_RESOLVE_H
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#define RESOLVE_HOSTS_MAX 16
#define RESOLVE_ADDRS_MAX 8
enum resolve_status {
	RESOLVE_OK, RESOLVE_NULLMX, RESOLVE_NXDOMAIN, RESOLVE_NOHOST,
	RESOLVE_TEMPFAIL,
};
struct resolve_host {
	char			name[254];
	uint16_t		pref;
	size_t			naddr;
	struct sockaddr_storage	addr[RESOLVE_ADDRS_MAX];
	socklen_t		addrlen[RESOLVE_ADDRS_MAX];
};
struct resolve_result {
	enum resolve_status	status;
	int			implicit;
	char			err[256];
	size_t			nhost;
	struct resolve_host	host[RESOLVE_HOSTS_MAX];
};
struct resolver;
struct resolver *resolver_new(const char *server, unsigned timeout_ms,
    unsigned tries, char *err, size_t errsz);
void	resolver_free(struct resolver *);
int	resolver_mx(struct resolver *, const char *domain, uint16_t port,
    int family_pref, struct resolve_result *);
int	resolver_host(struct resolver *, const char *host, uint16_t port,
    int family_pref, struct resolve_result *);
#endif
