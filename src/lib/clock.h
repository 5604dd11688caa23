/*
 * clock: the time the warm-up ramp and the sending-health pauses read,
 * with a hook for tests.
 *
 * clock_now() is time(NULL) in unix seconds.  TEST HOOK: when the
 * environment variable POSTERN_TEST_CLOCK names a file, the integer in
 * that file (seconds, may be negative) is added, re-read on every call,
 * so a test moves the server's day forward by rewriting one file.  The
 * variable is never set in production; without it the function reads
 * nothing and costs a getenv().  A file that cannot be read or does not
 * hold an integer adds nothing.  Only the ramp (and the send counts it
 * reads) and sending health (its days and pauses) use this clock;
 * everything else keeps util_now_ms().
 */
#ifndef POSTERN_CLOCK_H
#define POSTERN_CLOCK_H

#include <stdint.h>

#define CLOCK_TEST_ENV	"POSTERN_TEST_CLOCK"

int64_t	clock_now(void);
/* Days since 1970-01-01 UTC of a unix time, and where that day starts. */
int64_t	clock_day(int64_t t);
int64_t	clock_day_start(int64_t t);

#endif
