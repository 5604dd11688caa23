/*
 * outcome: the log lines of a delivery attempt's outcomes, one per
 * recipient ("deliver: ID: to=<...> relay=... status=... (reply)"), and
 * for a final failure its reason and whose fault it is
 * (core/bounce_class.h).  Logging only: the outcome is recorded by the
 * scheduler.
 */
#ifndef POSTERN_OUTCOME_H
#define POSTERN_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

struct djob_msg;

/* The outcome of recipient k of jm, at now. */
void	outcome_log(const struct djob_msg *jm, size_t k, int64_t now);

#endif
