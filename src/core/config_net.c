/*
 * config_net: the keys of postern.conf that name client networks
 * (auth_familiar_prefix, auth_trusted_clients) and the lookup of an
 * address in auth_trusted_clients.  Split from config_keys.c, whose
 * table names these parsers (config_int.h).
 *
 * Failure: parsers return 0 or -1 with the reason in why; nothing here
 * logs or exits.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_int.h"
#include "lib/util.h"


/*
 * auth_familiar_prefix: "V4,V6", the prefix lengths that cut a client
 * address to the network the familiar-client rule remembers: 16 to 32
 * for IPv4, 32 to 128 for IPv6 (blanks around the comma allowed).
 */
int
config_parse_prefixes(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	char		 shown[CONFIG_SHOW_MAX];
	const char	*p;
	uint64_t	 v4, v6;

	if (config_parse_u64(val, &p, &v4) == -1)
		goto bad;
	p += strspn(p, CONFIG_BLANKS);
	if (*p++ != ',')
		goto bad;
	p += strspn(p, CONFIG_BLANKS);
	if (config_parse_u64(p, &p, &v6) == -1 || *p != '\0' || v4 < 16 ||
	    v4 > 32 || v6 < 32 || v6 > 128)
		goto bad;
	c->auth_familiar_v4 = (unsigned)v4;
	c->auth_familiar_v6 = (unsigned)v6;
	return 0;
bad:
	config_errf(why, whysz,
	    "'%s' is not IPV4,IPV6 prefix lengths (16 to 32, "
	    "32 to 128; e.g. 24,64)", config_show(shown, sizeof(shown), val));
	return -1;
}

/*
 * One CIDR, ADDR/PREFIX (IPv4 0..32, IPv6 0..128; a bare address is the
 * address itself), of len bytes.  The host bits are cleared, so a range
 * compares by its network bytes.  0 or -1.
 */
int
config_net_parse(const char *s, size_t len, struct config_net *n)
{
	char		 text[INET6_ADDRSTRLEN + 5];
	char		*slash;
	const char	*p;
	uint64_t	 prefix;
	unsigned	 bits, i;

	if (len == 0 || len >= sizeof(text))
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	if ((slash = strchr(text, '/')) != NULL)
		*slash = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, text, n->addr) == 1)
		n->af = AF_INET;
	else if (inet_pton(AF_INET6, text, n->addr) == 1)
		n->af = AF_INET6;
	else
		return -1;
	bits = n->af == AF_INET ? 32 : 128;
	prefix = bits;
	if (slash != NULL && (config_parse_u64(slash + 1, &p, &prefix) == -1 ||
	    *p != '\0' || prefix > bits))
		return -1;
	n->prefix = (unsigned)prefix;
	for (i = 0; i < bits / 8; i++) {		/* clear the host bits */
		if (i * 8 >= n->prefix)
			n->addr[i] = 0;
		else if (i * 8 + 8 > n->prefix)
			n->addr[i] &= (unsigned char)(0xff << (8 - (n->prefix -
			    i * 8)));
	}
	return 0;
}

/*
 * auth_trusted_clients: "CIDR[, CIDR...]" (commas and/or blanks between),
 * at most CONFIG_TRUSTED_MAX; empty for none.  A later line replaces an
 * earlier one.
 */
int
config_parse_trusted(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	char		 shown[CONFIG_SHOW_MAX];
	const char	*p = val;
	size_t		 len;

	c->auth_trusted_n = 0;
	for (;;) {
		p += strspn(p, CONFIG_BLANKS ",");
		if (*p == '\0')
			return 0;
		len = strcspn(p, CONFIG_BLANKS ",");
		if (c->auth_trusted_n == CONFIG_TRUSTED_MAX) {
			config_errf(why, whysz, "more than %d ranges",
			    CONFIG_TRUSTED_MAX);
			return -1;
		}
		if (config_net_parse(p, len,
		    &c->auth_trusted[c->auth_trusted_n]) == -1) {
			config_errf(why, whysz, "'%s' is not a list of "
			    "ADDRESS/PREFIX ranges (IPv4 /0..32, IPv6 "
			    "/0..128; e.g. 192.0.2.0/24, 2001:db8::/32)",
			    config_show(shown, sizeof(shown), val));
			c->auth_trusted_n = 0;
			return -1;
		}
		c->auth_trusted_n++;
		p += len;
	}
}

int
config_trusted_client(const struct config *c, const char *addr)
{
	return config_net_match(c->auth_trusted, c->auth_trusted_n, addr);
}

/* Is addr (text) inside one of the n ranges? */
int
config_net_match(const struct config_net *nets, size_t nn, const char *addr)
{
	struct config_net	 a;
	const unsigned char	*b;
	size_t			 i;
	unsigned		 full, rest;

	if (nn == 0 || config_net_parse(addr, strlen(addr), &a) == -1)
		return 0;
	b = a.addr;
	if (a.af == AF_INET6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)
	    (void *)a.addr)) {
		a.af = AF_INET;
		b = a.addr + 12;
	}
	for (i = 0; i < nn; i++) {
		const struct config_net *n = &nets[i];

		if (n->af != a.af)
			continue;
		full = n->prefix / 8;
		rest = n->prefix % 8;
		if (memcmp(n->addr, b, full) != 0)
			continue;
		if (rest == 0 || ((n->addr[full] ^ b[full]) &
		    (0xff << (8 - rest)) & 0xff) == 0)
			return 1;
	}
	return 0;
}
