/*
 * warmup: see warmup.h.  Two schedules: the original one from day 1,
 * and, once the ramp has been frozen, the one that restarts from the
 * held allowance on resume_day.  Everything is clamped to the target.
 */
#include "core/warmup.h"

static uint32_t	warmup_climb(uint32_t, uint32_t, int64_t, uint32_t);
static int64_t	warmup_days_to(uint32_t, uint32_t, uint32_t);

/* from + step * days, at most target (days >= 0). */
static uint32_t
warmup_climb(uint32_t from, uint32_t step, int64_t days, uint32_t target)
{
	uint64_t	v;

	if (from >= target)
		return target;
	if (days > (int64_t)(target - from))	/* step >= 1: saturated */
		return target;
	v = (uint64_t)from + (uint64_t)step * (uint64_t)days;
	return v >= target ? target : (uint32_t)v;
}

/* Days of climbing from `from` until the target: ceil((t - f) / s). */
static int64_t
warmup_days_to(uint32_t from, uint32_t step, uint32_t target)
{
	if (from >= target)
		return 0;
	return ((int64_t)target - from + step - 1) / step;
}

void
warmup_compute(const struct warmup_plan *p, struct warmup_today *t)
{
	uint32_t	step = p->step > 0 ? p->step : 1;
	uint32_t	target = p->target > 0 ? p->target : 1;
	uint32_t	first = p->first > 0 ? p->first : 1;
	uint32_t	held;
	int64_t		resume;

	t->day = p->day >= 1 ? p->day : 1;
	if (p->held == 0) {
		t->allowance = warmup_climb(first, step, t->day - 1, target);
		t->total = 1 + warmup_days_to(first, step, target);
		t->active = t->day <= t->total;
		return;
	}
	held = p->held < target ? p->held : target;
	resume = p->resume_day >= 1 ? p->resume_day : 1;
	t->total = resume + warmup_days_to(held, step, target);
	if (p->frozen || t->day < resume) {
		t->allowance = held;
		t->active = 1;
		return;
	}
	t->allowance = warmup_climb(held, step, t->day - resume, target);
	t->active = t->day <= t->total;
}

uint32_t
warmup_step_down(uint32_t allowance)
{
	uint32_t	v = (uint32_t)((uint64_t)allowance * 3 / 4);

	return v >= 1 ? v : 1;
}
