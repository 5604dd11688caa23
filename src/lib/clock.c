/*
 * clock: see clock.h.  The offset file is tiny and read whole with one
 * read(); a missing file, a read error or text that is not an integer
 * gives offset 0, never a failure: the hook must not break a server.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"

static int64_t	clock_offset(const char *);

static int64_t
clock_offset(const char *path)
{
	char		 text[32], *end;
	ssize_t		 n;
	long long	 v;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	errno = 0;
	v = strtoll(text, &end, 10);
	if (end == text || errno != 0)
		return 0;
	while (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')
		end++;
	return *end == '\0' ? (int64_t)v : 0;
}

int64_t
clock_now(void)
{
	const char	*path = getenv(CLOCK_TEST_ENV);
	int64_t		 now = (int64_t)time(NULL);

	if (path == NULL || path[0] == '\0')
		return now;
	return now + clock_offset(path);
}

int64_t
clock_day(int64_t t)
{
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

int64_t
clock_day_start(int64_t t)
{
	return clock_day(t) * 86400;
}
