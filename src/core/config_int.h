/*
 * config_int: the private half of config, shared by the file reader
 * (config.c) and the key table with its value parsers (config_keys.c).
 *
 * Each row of config_keys[] holds a key's name, its parser, the field it
 * sets, its bounds and its default.  The default is written as the value
 * a file would give and goes through the row's own parser, so a default
 * is checked exactly like a configured value; config_defaults() applies
 * every row.  A default that depends on the machine (the host name,
 * whether Dovecot is installed) comes from the row's def_fn instead,
 * applied after every plain default.
 */
#ifndef POSTERN_CONFIG_INT_H
#define POSTERN_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#define CONFIG_SHOW_MAX	80		/* bytes of a quoted value in errors */
#define CONFIG_BLANKS	" \t"

struct config_key;

typedef int	(*config_parser)(struct config *, const struct config_key *,
		    const char *, char *, size_t);

/* The default of a row that depends on the machine, into buf. */
typedef const char *(*config_default_fn)(const struct config *, char *,
		    size_t);

/* The sections of postern.conf(5), in their order there. */
enum config_group {
	CG_LISTEN,
	CG_SERVER,
	CG_SMTP,
	CG_AUTH,
	CG_SENDING,
	CG_IMAP,
	CG_PROVISION,
	CG_DELIVERY,
	CG_RELAY,
	CG_ADMIN,
	CG_COUNT
};

extern const char *const config_group_titles[CG_COUNT];

struct config_key {
	const char		*name;
	config_parser		 parse;
	size_t			 off;	/* offsetof() the field it sets */
	uint64_t		 min;
	uint64_t		 max;
	const char		*def;	/* the default, as in a file */
	config_default_fn	 def_fn; /* or computed (def is NULL) */
	enum config_group	 group;	/* its section in postern.conf(5) */
	int			 flags;	/* CONFIG_RELOAD */
	const char		*doc;	/* one line for the manual page */
};

/*
 * A reload (SIGHUP) applies the key: its field is an unsigned that only
 * the smtp process reads, at the start of a session or a command, so a
 * new value needs no restart (parse_uint or parse_duration rows only).
 */
#define CONFIG_RELOAD	0x01

extern const struct config_key	config_keys[];

/* Whole-file checks after the last line (config_listen.c). */
int	config_check_admin(const struct config *, char *, size_t);
extern const size_t		config_nkeys;

/*
 * Set k's field of c to the row's default, through the row's parser.
 * Returns 0, or -1 with the reason in why (a bug in the table).
 */
int	config_key_default(struct config *c, const struct config_key *k,
	    char *why, size_t whysz);

/* Digits only, into v; end at the first non-digit.  0, or -1 on none
   or overflow. */
int	config_parse_u64(const char *s, const char **end, uint64_t *v);

/* The listener keys' parser (config_listen.c); k->off is the kind. */
int	config_parse_listener(struct config *, const struct config_key *,
	    const char *, char *, size_t);

/* auth_familiar_prefix and auth_trusted_clients (config_net.c). */
int	config_parse_prefixes(struct config *, const struct config_key *,
	    const char *, char *, size_t);
int	config_parse_trusted(struct config *, const struct config_key *,
	    const char *, char *, size_t);

/* A value made safe and short (CONFIG_SHOW_MAX) for an error message. */
const char *config_show(char *, size_t, const char *);
void	config_errf(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
