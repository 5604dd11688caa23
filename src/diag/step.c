/*
 * step: see step.h.  A record is found as records + step * layout->size,
 * its fields at the layout's offsets; both legs of the check describe
 * their record type with STEP_LAYOUT, so the offsets are the compiler's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag/step.h"
#include "lib/util.h"

static char	*field(struct steps *, int, size_t);

static char *
field(struct steps *st, int s, size_t off)
{
	return (char *)st->records + (size_t)s * st->layout->size + off;
}

void
step_init(struct steps *st, const struct step_layout *layout, void *records,
    const struct step_def *defs, size_t count, int *failed, int *exit_status)
{
	st->layout = layout;
	st->records = records;
	st->defs = defs;
	st->count = count;
	st->failed = failed;
	st->exit_status = exit_status;
	st->t0 = 0;
}

enum step_state *
step_state(struct steps *st, int s)
{
	return (enum step_state *)(void *)field(st, s, st->layout->state);
}

void
step_begin(struct steps *st, int s)
{
	st->t0 = util_monotonic_ms();
	*step_state(st, s) = STEP_OK;
}

int
step_end(struct steps *st, int s, enum step_state state, const char *fmt,
    ...)
{
	const struct step_layout	*l = st->layout;
	uint64_t			 ms = util_monotonic_ms() - st->t0;
	va_list				 ap;

	*step_state(st, s) = state;
	memcpy(field(st, s, l->ms), &ms, sizeof(ms));
	va_start(ap, fmt);
	vsnprintf(field(st, s, l->detail), l->detailsz, fmt, ap);
	va_end(ap);
	if (state != STEP_FAILED)
		return 0;
	*st->failed = s;
	*st->exit_status = step_exit(st->defs, st->count, s);
	return -1;
}

void
step_note(struct steps *st, int s, const char *fmt, ...)
{
	char	*note = field(st, s, st->layout->note);
	size_t	 n = strlen(note), sz = st->layout->notesz;
	va_list	 ap;

	if (n > 0 && n + 2 < sz) {
		memcpy(note + n, " ", 2);
		n++;
	}
	va_start(ap, fmt);
	vsnprintf(note + n, sz - n, fmt, ap);
	va_end(ap);
}

const char *
step_name(const struct step_def *defs, size_t count, int s)
{
	return s >= 0 && (size_t)s < count ? defs[s].name : "?";
}

int
step_exit(const struct step_def *defs, size_t count, int s)
{
	return s >= 0 && (size_t)s < count ? defs[s].exit_status : 1;
}

int
step_met_plaintext(const char *err)
{
	return strstr(err, "wrong version") != NULL ||
	    strstr(err, "packet length") != NULL ||
	    strstr(err, "record layer") != NULL;
}
