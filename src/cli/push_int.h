/*
 * push_int: what push.c (the calls) and push_report.c (the results)
 * share.  Private to push.
 */
#ifndef POSTERN_PUSH_INT_H
#define POSTERN_PUSH_INT_H

#include "cli/push.h"
#include "diag/check.h"

enum push_outcome {
	PUSH_O_PENDING,
	PUSH_O_CREATED,
	PUSH_O_UPDATED,
	PUSH_O_REPLACED,
	PUSH_O_SKIPPED,
	PUSH_O_FAILED,
	PUSH_O_NOT_TRIED,	/* the key was refused before */
	PUSH_O_SHOWN,		/* --dry-run */
};

struct push_item {
	const struct provision_account	*a;
	enum push_outcome		 outcome;
	long				 status;	/* last HTTP status */
	long long			 id;		/* -1: unknown */
	int				 smtp_ok;	/* -1 unknown, 0, 1 */
	int				 imap_ok;
	long				 conn_status;	/* the platform's
							   account status */
	int				 warmup;	/* -1 not asked, 0, 1 */
	int				 found_late;	/* its create's answer
							   was lost, but the
							   account is there */
	char				 said[PUSH_TEXT_MAX];
	char				 warmup_said[PUSH_TEXT_MAX];
	struct check_result		*check;
};

struct push_listed {
	char		 email[256];
	long long	 id;
};

struct push_state {
	const struct push_opts	*o;
	const char		*base;
	struct push_item	*items;
	size_t			 n;
	struct push_listed	*listed;	/* PUSH_EXISTS_LIST */
	size_t			 nlisted;
	int			 key_refused;
	char			 refused[PUSH_TEXT_MAX];
	unsigned		 retries;
	int			 progress;	/* a bar on stderr */
};

/* Replace the key and control characters in s (in place). */
void	push_scrub(const struct push_opts *, char *s);
/* Run postern's check for the items the platform could not connect. */
void	push_checks(struct push_state *);
/* The result table (or --json); returns the exit status. */
int	push_report(const struct push_state *);
const char *push_outcome_name(enum push_outcome);
/* The requests --dry-run shows, for every item. */
int	push_show(struct push_state *);

#endif
