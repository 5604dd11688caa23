/*
 * health: the arithmetic of a mailbox's sending health, pure (no clock,
 * no store), so the queue process that decides a pause, the CLI that
 * shows it and the tests compute the same figures (docs/ACCOUNTS.md,
 * "Sending health and auto-pause").
 *
 * Two rules pause a mailbox, judged over its last `window` final
 * outcomes (recipients delivered or failed):
 *  - bounces: more than `rate` per mille of the window were recipient
 *    hard bounces (the address does not exist).  The denominator is
 *    always the window, even while fewer outcomes are known, so a new
 *    mailbox is not paused by its first unlucky recipient: "4 of the
 *    last 50" is 8 % whether 50 or 12 outcomes are known;
 *  - blocks: two or more providers (registrable domains of the MX hosts
 *    that answered) refused a recipient for a fault of the sender
 *    (core/bounce_class.h: a block, reputation, authentication).
 * A domain is paused as a whole while more than half of its mailboxes,
 * and at least HEALTH_DOMAIN_MIN, are paused.
 *
 * Invariants: no arithmetic overflows (64-bit products); a window of 0
 * is read as 1; texts are always NUL-terminated and cut to fit.
 */
#ifndef POSTERN_HEALTH_H
#define POSTERN_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#define HEALTH_WINDOW		50	/* health_window's default */
#define HEALTH_WINDOW_MAX	1000	/* its largest: outcomes kept */
#define HEALTH_RATE		50	/* health_bounce_rate: 5.0 % */
#define HEALTH_PROVIDERS	2	/* providers blocking: pause */
#define HEALTH_DOMAIN_MIN	3	/* paused mailboxes: domain pause */
#define HEALTH_PROVIDER_MAX	63	/* a provider's name */
#define HEALTH_BLOCKED_MAX	4	/* providers named in a window */
#define HEALTH_REASON_MAX	200	/* what tripped, for the 451 */

enum health_verdict {
	HEALTH_OK,
	HEALTH_BOUNCES,		/* the hard-bounce rate passed the limit */
	HEALTH_BLOCKED		/* providers blocked the sender */
};

/* What the store knows of a mailbox's last outcomes. */
struct health_window {
	uint32_t	known;		/* outcomes known, at most the window */
	uint32_t	bounced;	/* recipient hard bounces among them */
	uint32_t	nblocked;	/* distinct providers blocking, counted
					   exactly up to HEALTH_BLOCKED_MAX */
	char		blocked[HEALTH_BLOCKED_MAX][HEALTH_PROVIDER_MAX + 1];
};

/*
 * Judge a window: window is the configured size, rate the limit in per
 * mille.  reason (may be NULL) gets what tripped, with the figures:
 * "4 of the last 50 recipients did not exist (8% > 5%)" or "2 providers
 * blocked the sender (google.com, outlook.com)".
 */
enum health_verdict	health_judge(const struct health_window *,
			    uint32_t window, uint32_t rate, char *reason,
			    size_t reasonsz);

/* Is a domain with `paused` of `total` mailboxes paused?  1 or 0. */
int	health_domain_paused(uint32_t paused, uint32_t total);
/*
 * The fewest paused mailboxes that keep a domain of `total` paused
 * (max(HEALTH_DOMAIN_MIN, total / 2 + 1)): the domain pause ends when
 * the paused ones drop below it.
 */
uint32_t	health_domain_need(uint32_t total);

/* A per mille as text: "8%", "5.5%". */
void	health_permille_text(uint32_t permille, char *out, size_t outsz);

/*
 * The provider of an MX host: its registrable domain, the last two
 * labels ("gmail-smtp-in.l.google.com" gives "google.com"), three when
 * the second-level label is a short public one under a two-letter
 * country ("mx.example.co.uk" gives "example.co.uk").  What the spool
 * keeps is "host[address]": the address is ignored.  A trailing dot, an
 * address literal, "local" or "" give "" (no provider).
 */
void	health_provider_of(const char *mx, char *out, size_t outsz);

#endif
