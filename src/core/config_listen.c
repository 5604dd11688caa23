/*
 * config_listen: the listener keys of postern.conf (submission, smtps,
 * mx, imap_listen, imaps_listen): "ADDR:PORT[, ADDR:PORT...]" with IPv6
 * in brackets, each address at most once across all of them (bind would
 * fail on the second).  Part of the config module: config_int.h.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/config_int.h"
#include "lib/util.h"

static int	listen_item(const char *, size_t, struct config_listen *,
		    char *, size_t);
static const char *listen_split(char *, char **, char **, int *);
static int	listen_addr(struct config_listen *, int, const char *,
		    in_port_t);
static int	listen_port(const char *, in_port_t *);
static int	listen_equal(const struct config_listen *,
		    const struct config_listen *);
static int	listen_clash(const struct config *, enum listen_kind,
		    char *, size_t);

/* k->off is the enum listen_kind; see config_keys[]. */
int
config_parse_listener(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	enum listen_kind	kind = (enum listen_kind)k->off;

	if (config_parse_listen(val, c->listen[kind], &c->nlisten[kind], why,
	    whysz) == -1)
		return -1;
	return listen_clash(c, kind, why, whysz);
}

/* An address given for kind must not be used by another listener. */
static int
listen_clash(const struct config *c, enum listen_kind kind, char *why,
    size_t whysz)
{
	size_t	i, j;
	int	other;

	for (i = 0; i < c->nlisten[kind]; i++) {
		for (other = 0; other < LISTEN_KIND_COUNT; other++) {
			if (other == (int)kind)
				continue;
			for (j = 0; j < c->nlisten[other]; j++) {
				if (!listen_equal(&c->listen[kind][i],
				    &c->listen[other][j]))
					continue;
				config_errf(why, whysz,
				    "'%s' is also used by %s",
				    c->listen[kind][i].text,
				    config_keys[other].name);
				return -1;
			}
		}
	}
	return 0;
}

int
config_parse_listen(const char *value, struct config_listen *out,
    size_t *nout, char *err, size_t errsz)
{
	struct config_listen	 tmp[CONFIG_LISTEN_MAX];
	size_t			 n = 0, len, i;

	for (value += strspn(value, CONFIG_BLANKS); *value;
	    value += strspn(value, CONFIG_BLANKS)) {
		len = strcspn(value, CONFIG_BLANKS);
		if (n == CONFIG_LISTEN_MAX) {
			config_errf(err, errsz, "more than %d addresses",
			    CONFIG_LISTEN_MAX);
			return -1;
		}
		if (listen_item(value, len, &tmp[n], err, errsz) == -1)
			return -1;
		for (i = 0; i < n; i++) {
			if (listen_equal(&tmp[i], &tmp[n])) {
				config_errf(err, errsz, "'%s' is listed twice",
				    tmp[n].text);
				return -1;
			}
		}
		n++;
		value += len;
	}
	if (n > 0)
		memcpy(out, tmp, n * sizeof(tmp[0]));
	*nout = n;
	return 0;
}

/* One "A.B.C.D:PORT" or "[IPv6]:PORT"; numeric only, no name lookup. */
static int
listen_item(const char *s, size_t len, struct config_listen *l, char *err,
    size_t errsz)
{
	char		 item[sizeof(l->text)], shown[CONFIG_SHOW_MAX];
	char		 hshown[CONFIG_SHOW_MAX], *host, *ps;
	const char	*why;
	in_port_t	 port;
	int		 v6;

	memset(l, 0, sizeof(*l));
	if (len >= sizeof(item)) {
		log_printable(shown, sizeof(shown), s, len);
		config_errf(err, errsz,
		    "'%s' is too long for an address", shown);
		return -1;
	}
	memcpy(item, s, len);
	item[len] = '\0';
	memcpy(l->text, item, len + 1);
	config_show(shown, sizeof(shown), item);
	if ((why = listen_split(item, &host, &ps, &v6)) != NULL) {
		config_errf(err, errsz, "'%s': %s", shown, why);
		return -1;
	}
	if (listen_port(ps, &port) == -1) {
		config_errf(err, errsz,
		    "'%s': port is not a number between 1 and "
		    "65535", shown);
		return -1;
	}
	if (listen_addr(l, v6, host, port) == -1) {
		config_errf(err, errsz,
		    "'%s': '%s' is not a numeric %s address",
		    shown, config_show(hshown, sizeof(hshown), host),
		    v6 ? "IPv6" : "IPv4");
		return -1;
	}
	return 0;
}

/*
 * Split item in place into host and port strings; *v6 tells whether the
 * host was in brackets.  Returns NULL, or why not.
 */
static const char *
listen_split(char *item, char **host, char **port, int *v6)
{
	char	*sep;

	if (strchr(item, ',') != NULL)
		return "separate addresses with blanks, not commas";
	if ((*v6 = item[0] == '[')) {
		if ((sep = strchr(item, ']')) == NULL || sep[1] != ':')
			return "expected ADDRESS:PORT or [IPv6]:PORT";
		*sep++ = '\0';
		*host = item + 1;
	} else {
		if ((sep = strrchr(item, ':')) == NULL)
			return "expected ADDRESS:PORT or [IPv6]:PORT";
		*host = item;
	}
	*sep = '\0';
	*port = sep + 1;
	if (!*v6 && strchr(*host, ':') != NULL)
		return "write an IPv6 address as [ADDRESS]:PORT";
	return NULL;
}

/* Fill l's sockaddr from a numeric host (inet_pton, no DNS). */
static int
listen_addr(struct config_listen *l, int v6, const char *host,
    in_port_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&l->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&l->ss;

	if (v6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		l->sslen = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		l->sslen = sizeof(*sin);
	}
	return 0;
}

static int
listen_port(const char *s, in_port_t *port)
{
	const char	*end;
	uint64_t	 v;

	if (config_parse_u64(s, &end, &v) == -1 || *end != '\0' || v < 1 ||
	    v > 65535)
		return -1;
	*port = (in_port_t)v;
	return 0;
}

static int
listen_equal(const struct config_listen *a, const struct config_listen *b)
{
	return a->sslen == b->sslen && memcmp(&a->ss, &b->ss, a->sslen) == 0;
}

/*
 * An admin listener off loopback serves tokens and passwords to the
 * network: only over TLS (admin_tls).  0, or -1 with the reason.
 */
int
config_check_admin(const struct config *c, char *why, size_t whysz)
{
	const struct config_listen	*l;
	const struct sockaddr_in	*in;
	const struct sockaddr_in6	*in6;
	size_t				 i;
	int				 loop;

	for (i = 0; i < c->nlisten[LISTEN_ADMIN]; i++) {
		l = &c->listen[LISTEN_ADMIN][i];
		in = (const struct sockaddr_in *)(const void *)&l->ss;
		in6 = (const struct sockaddr_in6 *)(const void *)&l->ss;
		loop = l->ss.ss_family == AF_INET ?
		    (ntohl(in->sin_addr.s_addr) >> 24) == 127 :
		    IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		if (!loop && !c->admin_tls) {
			config_errf(why, whysz, "admin listener %s is not on "
			    "loopback: set admin_tls = yes (the API carries "
			    "tokens and passwords)", l->text);
			return -1;
		}
	}
	return 0;
}
