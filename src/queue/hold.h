/*
 * hold: what a provider's reply holds back, and for how long.
 *
 * A hold is (provider, scope, value): the sending IP, a DKIM domain or
 * an SPF (MAIL FROM) domain, as the rule that matched the reply says
 * (provider.h); Gmail's 4.7.28 text names its scope ("from your DKIM
 * domain a.test"), and a text that names none holds all three, as
 * Google asks.  During the pause no connection carries mail of that
 * scope; then `start` connections may, one more per `step` without a
 * new matching reply (Google's "increase the number of connections one
 * at a time"), and the hold ends when the provider's own cap is
 * reached.  A new matching reply starts the pause again.  Holding a
 * DKIM domain leaves the other domains on the same IP flowing.  postern
 * binds no source address, so an IP hold covers all of its mail to the
 * provider; the address is kept for the operator.
 *
 * Times are clock_now() (lib/clock.h), so tests move them.  The holds
 * survive restarts in DIR/spool/holds, rewritten whole and atomically
 * (temp file, fsync, rename) on each change by the queue process only;
 * `postern queue holds` reads it.  A file that cannot be written is
 * logged and the hold kept in memory; an unreadable line is skipped.
 * Threads: one mutex of this module, taken after the scheduler's lock.
 */
#ifndef POSTERN_HOLD_H
#define POSTERN_HOLD_H

#include <stddef.h>
#include <stdint.h>

#define HOLD_MAX	256
#define HOLD_TICKET_MAX	16
#define HOLD_FILE	"spool/holds"

enum hold_kind { HOLD_IP, HOLD_DKIM, HOLD_SPF };

struct hold {
	unsigned	 id;		/* in memory only */
	char		 provider[32];
	enum hold_kind	 kind;
	char		 value[256];	/* address or domain */
	int64_t		 since, until;	/* the pause */
	unsigned	 start;		/* connections after the pause */
	int64_t		 step;		/* one more every step seconds */
	unsigned	 end;		/* lifted at this many */
	char		 why[256];	/* the reply, printable */
	unsigned	 active;	/* connections carrying it now */
	unsigned	 shown;		/* the allowance last logged */
};

/* The connections of one delivery holding slots of holds. */
struct hold_ticket {
	unsigned	 id[HOLD_TICKET_MAX];
	size_t		 n;
};

const char *hold_kind_name(enum hold_kind);
/* Connections allowed at now; -1 once the hold is over. */
int	hold_allowed(const struct hold *, int64_t now);

/* Is any hold kept?  A hint without the lock, for the fast path. */
int	hold_any(void);
/*
 * Counts the changes that may let held mail go (a slot freed, a hold
 * lifted or loaded), for the scheduler's parked messages (deliver.c).
 * Changes that come with time alone (the pause ending, one more slot
 * per step) are not counted: the scheduler looks again every second.
 */
uint64_t hold_epoch(void);
/* Read DIR/spool/holds (queue process, at start).  0 or -1. */
int	hold_load(const char *datadir);
/*
 * May a message of these scopes (dkim and spf may be "") go to provider
 * p at now?  With a ticket, on 1 the connection takes the slots it does
 * not hold yet; without, a hint that takes nothing.
 */
int	hold_admit(int p, const char *dkim, const char *spf, int64_t now,
	    struct hold_ticket *);
void	hold_release(struct hold_ticket *);
/* A reply from provider p to a message (dkim, spf; "" if none), sent
   from local address ip: apply the first matching rule.  1 if one did
   (the reply is a throttling or reputation signal), else 0. */
int	hold_observe(int p, int code, const char *enhanced, const char *text,
	    const char *ip, const char *dkim, const char *spf, int64_t now);
/* A message's DKIM domain: d= of its first signature (sig), else the
   sender's domain. */
void	hold_msg_dkim(const char *sig, size_t siglen, const char *sender,
	    char *out, size_t outsz);
/* The domain of the sender, lower case ("" for <>). */
void	hold_msg_spf(const char *sender, char *out, size_t outsz);
/* Parse a holds file for `postern queue holds`: up to max into out. */
int	hold_read(const char *datadir, struct hold *out, size_t max,
	    size_t *n);

#endif
