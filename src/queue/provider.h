/*
 * provider: mailbox providers and their reply rules (the queue process).
 *
 * A provider is a set of MX host suffixes (Google: google.com,
 * googlemail.com ...) whose receivers share limits, so the scheduler
 * shapes traffic by provider, the MX host, and not by recipient domain
 * (Gmail's sender guidelines: "based on the MX record domain").  Each
 * has a cap on simultaneous connections across all its destinations, a
 * number of messages after which a connection is closed and a new one
 * opened, and a rate in messages per minute.  Index 0 is "default":
 * every MX that matches no suffix; it groups nothing (its destinations
 * keep destination_concurrency each) and has no connection cap.
 *
 * A rule maps a provider's reply (basic code, a substring of the text)
 * to a hold (hold.h): for how long no connection, then how many, and
 * how often one more.  The shipped tables start from KumoMTA's published
 * shaping defaults and the receivers' own texts (docs/DELIVERABILITY.md);
 * DIR/providers.conf, read once at start, changes or adds to them.
 *
 * Threads: the tables are written by provider_load() before the workers
 * start and read-only afterwards; the connection counts and the rate
 * buckets are under this module's own mutex, taken after the
 * scheduler's lock and never before it.  Failures: a bad line of
 * providers.conf is logged with its number and fails the start.
 */
#ifndef POSTERN_PROVIDER_H
#define POSTERN_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#define PROVIDER_MAX		32
#define PROVIDER_SUFFIX_MAX	8
#define PROVIDER_NAME_MAX	32
#define PROVIDER_DEFAULT	0
#define PROVIDER_RULE_MAX	64

enum rule_scope {
	RULE_SCOPE_TEXT,	/* the scope the text names, else all three */
	RULE_SCOPE_IP		/* the sending IP */
};

struct provider {
	char		 name[PROVIDER_NAME_MAX];
	char		 suffix[PROVIDER_SUFFIX_MAX][64];
	size_t		 nsuffix;
	unsigned	 max_conn;	/* 0: no cap */
	unsigned	 per_conn;	/* messages per connection, 0: no limit */
	unsigned	 rate;		/* messages per minute, 0: no limit */
};

struct provider_rule {
	char		 provider[PROVIDER_NAME_MAX];
	int		 code;		/* basic code; 4: any 4xx */
	char		 pattern[64];	/* case-insensitive substring */
	enum rule_scope	 scope;
	int		 off;		/* matches, does nothing */
	int64_t		 pause;		/* seconds with no connection */
	unsigned	 start;		/* connections allowed after it */
	int64_t		 step;		/* one more per clean interval */
};

/* The shipped tables, then DIR/providers.conf if it exists.  0 or -1. */
int	provider_load(const char *datadir);
/* The provider of an MX host name (PROVIDER_DEFAULT if none matches). */
int	provider_find(const char *mxhost);
const struct provider *provider_get(int);
size_t	provider_count(void);
/* The first rule of provider p that matches a reply; NULL if none. */
const struct provider_rule *provider_rule_match(int p, int code,
	    const char *enhanced, const char *text);
const struct provider_rule *provider_rule(size_t);
size_t	provider_rule_count(void);

/* Room for one more connection to p now (a hint for the scheduler). */
int	provider_room(int p);
/* Take a connection slot of p; 0, or -1 when the cap is reached. */
int	provider_conn_take(int p);
void	provider_conn_drop(int p);
/* May one more message go to p now (the rate)?  1 takes it, 0 not yet. */
int	provider_msg_take(int p);

#endif
