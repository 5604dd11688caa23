/*
 * roff: see roff.h.  Output only; no failure is reported (the caller
 * checks ferror() once at the end).
 */
#include <stdio.h>
#include <string.h>

#include "lib/roff.h"

void
roff_textn(FILE *f, const char *s, size_t n)
{
	int	bol = 1;	/* at the beginning of an output line */
	size_t	i;

	for (i = 0; i < n && s[i] != '\0'; i++) {
		if (bol && (s[i] == '.' || s[i] == '\''))
			fputs("\\&", f);
		bol = s[i] == '\n';
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else
			fputc(s[i], f);
	}
}

void
roff_text(FILE *f, const char *s)
{
	roff_textn(f, s, strlen(s));
}
