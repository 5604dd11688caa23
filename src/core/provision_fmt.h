/*
 * provision_fmt: CSV layouts for importing provisioned mailboxes into
 * cold-email sending platforms ("generic", "instantly", "smartlead"), the
 * connection settings they and `mailbox show` give, and the name helpers
 * that turn "First Last" into a mailbox local part.  See provision_fmt.c
 * for the exact header rows and where they come from.
 */
#ifndef POSTERN_PROVISION_FMT_H
#define POSTERN_PROVISION_FMT_H

#include <stddef.h>

#include <stdint.h>

#include "core/password.h"
#include "lib/buf.h"

struct config;

#define PROVISION_SMTP_PORT	587	/* RFC 6409 submission, STARTTLS */
#define PROVISION_SMTP_SECURITY	"STARTTLS"	/* RFC 3207 */
#define PROVISION_IMAP_SECURITY	"SSL/TLS"	/* implicit, RFC 8314 */
#define PROVISION_LOCAL_MAX	64	/* RFC 5321 §4.5.3.1.1 */
#define PROVISION_MAX_COLS	32

/* Column flags. */
#define PROVISION_COL_IF_IMAP	0x1	/* only in files that carry IMAP */

/* What goes into one column. */
enum provision_val {
	PROVISION_V_EMPTY,	/* always empty: platform default */
	PROVISION_V_EMAIL,
	PROVISION_V_FIRST_NAME,
	PROVISION_V_LAST_NAME,
	PROVISION_V_FROM_NAME,	/* "First Last", trimmed */
	PROVISION_V_SMTP_HOST,
	PROVISION_V_SMTP_PORT,
	PROVISION_V_SMTP_SECURITY,	/* PROVISION_SMTP_SECURITY */
	PROVISION_V_SMTP_USER,	/* the full address */
	PROVISION_V_SMTP_PASS,
	PROVISION_V_IMAP_HOST,	/* empty unless IMAP is configured */
	PROVISION_V_IMAP_PORT,
	PROVISION_V_IMAP_USER,
	PROVISION_V_IMAP_PASS,
	PROVISION_V_IMAP_SECURITY,	/* PROVISION_IMAP_SECURITY */
	PROVISION_V_DAILY_LIMIT,	/* empty when 0 */
	PROVISION_V_WARMUP,	/* TRUE, FALSE or empty */
	PROVISION_V_REPLY_TO,
	PROVISION_V_WARMUP_LIMIT,	/* empty when 0 */
	PROVISION_V_WARMUP_INCREMENT,	/* empty when 0 and not enabled */
	PROVISION_V_COUNT
};

enum provision_warmup {
	PROVISION_WARMUP_DEFAULT,	/* leave the cell empty */
	PROVISION_WARMUP_ON,
	PROVISION_WARMUP_OFF,
};

struct provision_col {
	const char		*header;
	enum provision_val	 val;
	unsigned		 flags;		/* PROVISION_COL_* */
};

struct provision_fmt {
	const char			*name;
	const char			*description;
	const struct provision_col	*cols;
	size_t				 ncols;
};

/*
 * Where a mailbox connects, as every CSV and `mailbox show` say it: SMTP
 * submission with STARTTLS on submission_port at the domain's
 * submission_host, else the server's hostname (the names its certificates
 * carry); IMAP with implicit TLS on imap_port at imap_host, else that same
 * host.  IMAP is offered when a Dovecot logs in with postern's accounts
 * (imap_enabled(), or imap = external: a system Dovecot on this host) or,
 * failing that, when imap_host names another server; otherwise imap_host
 * is NULL.  The strings point into the config and submission_host.
 */
struct provision_endpoints {
	const char	*smtp_host;
	unsigned	 smtp_port;
	const char	*imap_host;	/* NULL: no IMAP to offer */
	unsigned	 imap_port;
	int		 imap_served;	/* on postern's accounts */
};

/*
 * One mailbox.  Strings may be NULL, which is the same as "".  email,
 * password and smtp_host are required.  smtp_port 0 means 587.  IMAP is
 * "configured" only when imap_host is non-empty and imap_port non-zero;
 * otherwise every IMAP cell is left empty and the PROVISION_COL_IF_IMAP
 * columns are left out (see provision_fmt.c).
 */
struct provision_account {
	const char		*email;
	const char		*first_name;
	const char		*last_name;
	const char		*password;
	const char		*smtp_host;
	unsigned		 smtp_port;
	const char		*imap_host;
	unsigned		 imap_port;
	unsigned		 daily_limit;	/* 0: leave empty */
	enum provision_warmup	 warmup;
	unsigned		 warmup_limit;	/* 0: platform default */
	unsigned		 warmup_increment; /* 0: platform default */
	const char		*reply_to;	/* NULL or "": empty */
};

/* The format called name (case-insensitive), or NULL. */
const struct provision_fmt *provision_fmt_find(const char *name);

/* The i-th format, or NULL past the last: for listing them. */
const struct provision_fmt *provision_fmt_at(size_t i);

/*
 * Append the header row (CRLF-terminated).  imap: the rows will carry
 * IMAP (provision_fmt_has_imap()), so PROVISION_COL_IF_IMAP columns are
 * in.  0 or -1.
 */
int	provision_fmt_header(const struct provision_fmt *, int imap,
	    struct buf *);

/* 1 if the account's row carries IMAP settings, else 0. */
int	provision_fmt_has_imap(const struct provision_account *);

/*
 * Append one account's row.  -1, with the buffer unchanged, if a
 * required value is missing or the buffer is full.
 */
int	provision_fmt_row(const struct provision_fmt *,
	    const struct provision_account *, struct buf *);

/* Fill e for a domain whose submission_host may be NULL or "". */
void	provision_endpoints(const struct config *,
	    const char *submission_host, struct provision_endpoints *e);

/*
 * Names: provision_local_part(), provision_names_from_local() and
 * provision_split_name() are in provision_names.c.
 */

/*
 * "José Núñez" -> "jose.nunez": ASCII lower case, Latin-1 and Latin
 * Extended-A letters folded, other non-ASCII dropped, apostrophes
 * dropped, any other run of non-alphanumerics becomes one dot; only
 * [a-z0-9.], no leading, trailing or double dot, at most 64 bytes (and
 * outsz - 1).  Returns 0, or -1 (out = "") if nothing remains.
 */
int	provision_local_part(const char *first_last, char *out,
	    size_t outsz);

/*
 * First and last name for an address provisioned without names, from its
 * local part: split at '.', '_', '-' and '+', each word capitalised;
 * the first word is the first name, the others (joined by a space) the
 * last name: "john.smith" -> "John" / "Smith", "sender07" -> "Sender07"
 * / "".  Returns 0, or -1 if the local part is empty or a part does not
 * fit.
 */
int	provision_names_from_local(const char *address, char *first,
	    size_t firstsz, char *last, size_t lastsz);

/*
 * Which column of a CSV header holds each value: map[v] is the column
 * index of provision_val v, or -1.  Headers are matched, ignoring case,
 * against every format's header texts (so a file written by any format
 * of formats[] reads back), plus the aliases platforms' own exports use.
 * Returns the number of values found.
 */
int	provision_fmt_columns(const char *const *header, size_t n,
	    int map[PROVISION_V_COUNT]);

/*
 * Split a full name at its first run of white space: "Mary Ann Smith" ->
 * "Mary" / "Ann Smith".  White space is trimmed and collapsed; last may
 * come back empty.  Returns 0, or -1 if the name is empty or a part does
 * not fit.
 */
int	provision_split_name(const char *full, char *first, size_t firstsz,
	    char *last, size_t lastsz);

/*
 * The rows of a run, as `postern provision` and POST /api/v1/provision
 * make them (provision_names.c).  The i-th (0-based) of count addresses
 * made from prefix: PREFIX01..PREFIXNN at domain, the number zero-padded
 * to the width of count (at least 2).  0, or -1 (out = "") if that is not
 * a valid address (smtp_parse_mailbox()).
 */
int	provision_count_address(const char *prefix, size_t i, size_t count,
	    const char *domain, char *out, size_t outsz);

/*
 * One line of a names list: a local part ("j.smith") or a name with a
 * space ("John Smith": john.smith, the names kept in first and last,
 * which are "" otherwise), at domain.  0, or -1 (outputs "") if it does
 * not make a valid address.
 */
int	provision_name_line(const char *line, const char *domain,
	    char *address, size_t addrsz, char *first, size_t firstsz,
	    char *last, size_t lastsz);

/* A run's generated password and its hash (provision_hash.c). */
struct provision_secret {
	char	password[PASSWORD_GEN_LEN + 1];
	char	hash[PASSWORD_HASH_MAX + 1];
};

/*
 * Generate and hash the secret of n entries of size bytes that each START
 * with a struct provision_secret, on one thread per core.  deadline_ms
 * (util_monotonic_ms(); 0: none) stops the run.  0, -1 (a password could
 * not be made) or -2 (past the deadline); *done (may be NULL): how many
 * were finished.
 */
int	provision_hash_all(void *entries, size_t n, size_t size,
	    uint64_t deadline_ms, size_t *done);

/*
 * The text value v of account a has in a CSV cell ("" when the cell would
 * be empty), copied into out; for the platforms' APIs (push.c).  NULL if
 * v is unknown or the text does not fit.
 */
const char *provision_fmt_value(const struct provision_account *,
	    enum provision_val, char *out, size_t outsz);

#endif
