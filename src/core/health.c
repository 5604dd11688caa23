/*
 * health: see health.h.  The rules and their defaults are explained in
 * docs/ACCOUNTS.md; the texts made here end up in a 451 reply, so they
 * stay short and plain ASCII.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/health.h"

static int	health_is_literal(const char *, size_t);
static void	health_blocked_text(const struct health_window *, char *,
		    size_t);

void
health_permille_text(uint32_t permille, char *out, size_t outsz)
{
	if (permille % 10 == 0)
		snprintf(out, outsz, "%u%%", permille / 10);
	else
		snprintf(out, outsz, "%u.%u%%", permille / 10, permille % 10);
}

/* "N providers blocked the sender (a, b)" */
static void
health_blocked_text(const struct health_window *w, char *out, size_t outsz)
{
	size_t		n;
	uint32_t	i;
	int		k;

	k = snprintf(out, outsz, "%u providers blocked the sender (",
	    w->nblocked);
	n = k < 0 ? 0 : (size_t)k;
	for (i = 0; i < w->nblocked && i < HEALTH_BLOCKED_MAX &&
	    n < outsz; i++) {
		k = snprintf(out + n, outsz - n, "%s%s", i ? ", " : "",
		    w->blocked[i]);
		n += k < 0 ? 0 : (size_t)k;
	}
	if (n < outsz)
		snprintf(out + n, outsz - n, ")");
}

enum health_verdict
health_judge(const struct health_window *w, uint32_t window, uint32_t rate,
    char *reason, size_t reasonsz)
{
	char		have[16], limit[16];
	uint64_t	permille;

	if (window == 0)
		window = 1;
	if (reason != NULL && reasonsz > 0)
		reason[0] = '\0';
	/* bounced / window > rate / 1000, exactly */
	if ((uint64_t)w->bounced * 1000 > (uint64_t)rate * window) {
		if (reason != NULL) {
			permille = (uint64_t)w->bounced * 1000 / window;
			health_permille_text((uint32_t)permille, have,
			    sizeof(have));
			health_permille_text(rate, limit, sizeof(limit));
			snprintf(reason, reasonsz, "%u of the last %u "
			    "recipients did not exist (%s > %s)", w->bounced,
			    window, have, limit);
		}
		return HEALTH_BOUNCES;
	}
	if (w->nblocked >= HEALTH_PROVIDERS) {
		if (reason != NULL)
			health_blocked_text(w, reason, reasonsz);
		return HEALTH_BLOCKED;
	}
	return HEALTH_OK;
}

uint32_t
health_domain_need(uint32_t total)
{
	uint32_t	half = total / 2 + 1;

	return half > HEALTH_DOMAIN_MIN ? half : HEALTH_DOMAIN_MIN;
}

int
health_domain_paused(uint32_t paused, uint32_t total)
{
	return total > 0 && paused >= health_domain_need(total);
}

/* An address literal or a bare IPv4/IPv6 address: digits, dots,
   colons, hex and brackets only. */
static int
health_is_literal(const char *s, size_t n)
{
	size_t	i;
	int	alpha = 0;

	if (n > 0 && s[0] == '[')
		return 1;
	for (i = 0; i < n; i++) {
		if (s[i] == ':')
			return 1;
		if (isalpha((unsigned char)s[i]))
			alpha = 1;
	}
	return !alpha;
}

void
health_provider_of(const char *mx, char *out, size_t outsz)
{
	size_t		 n = strcspn(mx, "["), i, dots = 0, keep = 2;
	const char	*start = mx;

	if (outsz == 0)
		return;
	out[0] = '\0';
	while (n > 0 && mx[n - 1] == '.')
		n--;
	if (n == 0 || health_is_literal(mx, n) || memchr(mx, '.', n) == NULL)
		return;
	/* "co.uk", "com.au": a short second level under a country code */
	for (i = n; i > 0; i--)
		if (mx[i - 1] == '.' && ++dots == 1) {
			size_t	tld = n - i, sl = 0, j = i - 1;

			while (j > 0 && mx[j - 1] != '.') {
				j--;
				sl++;
			}
			if (tld == 2 && sl <= 3 && j > 0)
				keep = 3;
			break;
		}
	for (i = n, dots = 0; i > 0; i--)
		if (mx[i - 1] == '.' && ++dots == keep) {
			start = mx + i;
			break;
		}
	n -= (size_t)(start - mx);
	if (n + 1 > outsz)
		n = outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)start[i]);
	out[n] = '\0';
}
