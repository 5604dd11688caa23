/*
 * warmup: the arithmetic of a mailbox's warm-up ramp, pure (no clock, no
 * store), so the auth process, `mailbox show` and the tests compute the
 * same numbers (docs/ACCOUNTS.md, "Warm-up ramp").
 *
 * A ramp allows `first` recipients on its day 1 and `step` more each
 * day, up to `target`: allowance(N) = min(first + step * (N - 1),
 * target).  A freeze (a reputation signal) steps today's allowance down
 * by a quarter and holds it there until the freeze ends; from the day it
 * ends (resume_day) the ramp climbs again from the held value by `step`
 * a day.  "Day N of T": T is the ramp day on which the allowance reaches
 * the target under the current schedule.  Once past T and not frozen the
 * ramp is over (active 0) and limits nothing.
 *
 * Invariants: every result is at least 1 while the ramp is active; no
 * arithmetic overflows for any input (64-bit intermediates, results
 * clamped to the target).  A step of 0 is read as 1.
 */
#ifndef POSTERN_WARMUP_H
#define POSTERN_WARMUP_H

#include <stdint.h>

#define WARMUP_FIRST		5	/* recipients on day 1 */
#define WARMUP_STEP		2	/* more each day */
#define WARMUP_TARGET		50	/* warmup_target's default */
#define WARMUP_FREEZE_DAYS	3	/* a freeze's default length */

struct warmup_plan {
	int64_t		day;		/* ramp day today: 1 = start day */
	uint32_t	first;
	uint32_t	step;
	uint32_t	target;		/* daily_limit, else warmup_target */
	uint32_t	held;		/* stepped-down allowance; 0: never
					   frozen */
	int64_t		resume_day;	/* ramp day the freeze ends on */
	int		frozen;		/* the freeze still holds now */
};

struct warmup_today {
	uint32_t	allowance;	/* recipients today */
	int64_t		day;		/* as in the plan, at least 1 */
	int64_t		total;		/* the day the target is reached */
	int		active;		/* the ramp limits today */
};

void		warmup_compute(const struct warmup_plan *,
		    struct warmup_today *);
/* An allowance stepped down by a quarter (rounded to keep 3/4), >= 1. */
uint32_t	warmup_step_down(uint32_t allowance);

#endif
